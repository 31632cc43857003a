"""一卡通精准服务子系统 (seed 4)：持卡人跟踪（关系网）与服务策略（规则 → 名单 → 待办 → 成效）。

- ``strategies``: the declared rules (ID, 中文名, target SQL over ``analytics``, message template,
  outcome rule with its N days);
- ``runner``: one run per strategy and business date (idempotent), targets stored with the run and
  delivered as tasks through the channels' outbox;
- ``outcomes``: did each target act within N days (picked up, applied, exchanged);
- ``publish``: the runs' targets and outcomes copied to ``analytics.raw_precision_target`` for the
  dbt mart behind the 问题卡精准服务监控大屏;
- ``graph`` + ``router``: the holder's relationship network (person ↔ cards ↔ applications ↔ issues
  ↔ benefits ↔ service tasks) for staff, masked, region-scoped, audited;
- ``cli``: ``ykt strategy run [--as-of DATE]``.
"""
