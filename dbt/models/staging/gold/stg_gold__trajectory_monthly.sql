-- 轨迹汇集库 (gold.trajectory_monthly): person × month × trajectory kind × place
with source as (
    {{ optional_source('gold', 'raw_gold_trajectory_monthly', [
        ('id_token', 'text'), ('month', 'text'), ('trajectory_kind', 'text'), ('county_code', 'text'),
        ('place_code', 'text'), ('events', 'bigint'), ('successful_events', 'bigint'),
        ('amount_total', 'numeric'), ('as_of_date', 'date'),
    ]) }}
),

renamed as (
    select
        id_token,
        (month || '-01')::date as trajectory_month,
        trajectory_kind,
        coalesce(county_code, '000000') as county_code,
        place_code,
        events,
        successful_events,
        coalesce(amount_total, 0) as amount_total,
        as_of_date
    from source
)

select * from renamed
