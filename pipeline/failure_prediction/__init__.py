"""终端故障预测 (seed 四.4): which kiosk component is likely to fail within the next 7 days.

Trained on the kiosks' own history in `analytics` (boot self-check items and alarms, as the
pipeline loads them from `ops`): `history` reads it, `features` turns it into one row per device,
component and business day (recent warning counts, trend of the measured value, days since the
last fault, …) with the label "a fault of this component is observed in the next 7 days",
`model` fits a gradient-boosted classifier and scores it on later days than it was trained on,
`task` writes the day's risks to `analytics.public.raw_terminal_failure_prediction`, which dbt
turns into `marts.mart_terminal_failure_prediction`.
"""
