"""乐山市居民服务一卡通平台 core library: settings, regions, IDs, national crypto, PII, lake, db."""

__version__ = "0.1.0"
