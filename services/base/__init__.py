"""服务层公共基础：数据库会话、错误体、分页、身份与权限、区域范围、审计、Excel 安全读写。

Every later API (channels, cards, catalog) reuses these; nothing here knows about kiosks.
"""
