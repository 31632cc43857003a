with source as (
    select * from {{ source('lakehouse', 'raw_card_use_event') }}
),

renamed as (
    select
        event_id,
        card_no,
        id_token,
        terminal_id,
        event_time::timestamptz as event_at,
        event_date::date as event_date,
        channel,
        place_code,
        county_code,
        scene_code,
        scene_name,
        trajectory_kind,
        amount::numeric(14, 2) as amount,
        merchant_name,
        result as event_result
    from source
)

select * from renamed
