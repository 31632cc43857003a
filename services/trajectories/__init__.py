"""用卡轨迹追溯 (seed 5.3)：授权工作人员按人查询用卡轨迹时间线（脱敏、按区域、审计、按时间分页）。

The timeline reads ``analytics.raw_trajectory_event`` (loaded by ``pipeline.trajectory_load``);
the person is addressed by ID number (turned into the blind-index token here) or by the token.
"""
