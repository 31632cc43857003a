"""公共服务渠道访问记录 (seed 5.2): every API and H5 request, recorded off the request path.

`middleware.AccessLogMiddleware` classifies each request (who, which channel, which route, how it
ended, how long it took, a masked IP and a coarse place) and hands a tuple to `writer`, which
batches the rows into `access_log` (ops) every ~200 ms or 500 rows and on shutdown.
"""
