with source as (
    select * from {{ source('lakehouse', 'raw_card_application') }}
),

renamed as (
    select
        ---------- ids
        application_id,
        id_token,
        card_no,
        batch_no,
        ---------- application
        region_code,
        business_type,
        channel,
        review_state,
        review_reason,
        current_stage,
        bank_code,
        box_position,
        pickup_outlet_code,
        ---------- stage times (UTC)
        applied_at::timestamptz as applied_at,
        reviewed_at::timestamptz as reviewed_at,
        bank_opened_at::timestamptz as bank_opened_at,
        province_made_at::timestamptz as province_made_at,
        city_received_at::timestamptz as city_received_at,
        sent_to_outlet_at::timestamptz as sent_to_outlet_at,
        picked_up_at::timestamptz as picked_up_at,
        changed_at::timestamptz as changed_at
    from source
)

select * from renamed
