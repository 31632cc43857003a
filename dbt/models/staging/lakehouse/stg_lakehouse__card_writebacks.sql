with source as (
    select * from {{ source('lakehouse', 'raw_card_writeback') }}
),

renamed as (
    select
        ---------- ids
        writeback_id,
        card_no,
        attempt::integer as attempt_no,
        ---------- result
        result as writeback_result,
        succeeded as is_succeeded,
        error as error_message,
        ---------- timestamps
        attempted_at::timestamptz as attempted_at,
        changed_at::timestamptz as changed_at
    from source
)

select * from renamed
