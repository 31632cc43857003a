-- 终端故障预测 (pipeline.failure_prediction): one row per kiosk, component and day
with source as (
    {{ optional_source('prediction', 'raw_terminal_failure_prediction', [
        ('device_id', 'text'), ('component', 'text'), ('prediction_date', 'date'),
        ('failure_probability', 'float8'), ('is_faulty', 'boolean'), ('warn_7d', 'integer'),
        ('measure_last', 'float8'), ('days_since_fault', 'integer'), ('method', 'text'),
        ('trained_rows', 'integer'), ('holdout_auc', 'float8'), ('as_of_date', 'date'),
    ]) }}
),

renamed as (
    select
        device_id,
        component,
        prediction_date,
        failure_probability,
        is_faulty,
        warn_7d as warnings_7d,
        measure_last as last_measure,
        days_since_fault,
        method as model_method,
        trained_rows as model_trained_rows,
        holdout_auc as model_holdout_auc,
        as_of_date
    from source
)

select * from renamed
