"""The lakehouse spine (seed 5.1 应用渠道管理, 1.4 数据监测监控管理): exchange routes, bronze ingestion,
reconciliation, source monitoring and the load into `analytics`. Airflow DAGs in `dags/` call into it."""
