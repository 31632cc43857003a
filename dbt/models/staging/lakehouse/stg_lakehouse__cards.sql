with source as (
    select * from {{ source('lakehouse', 'raw_card') }}
),

renamed as (
    select
        ---------- ids
        card_no,
        card_version::integer as card_version,
        id_token,
        application_id,
        ---------- status (SCD2 version)
        status as card_status,
        e_card_status,
        change_reason,
        is_current,
        valid_from::timestamptz as valid_from,
        valid_to::timestamptz as valid_to,
        ---------- card
        issued_on::date as issued_on,
        expires_on::date as expires_on,
        region_code,
        bank_code,
        bank_card_token,
        card_gen,
        ---------- timestamps
        updated_at::timestamptz as updated_at
    from source
)

select * from renamed
