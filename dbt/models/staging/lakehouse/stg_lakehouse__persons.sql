with source as (
    select * from {{ source('lakehouse', 'raw_person') }}
),

renamed as (
    select
        ---------- ids
        person_sk,
        id_token,
        ---------- masked identity (never plaintext)
        id_masked,
        name_masked,
        doc_type,
        ---------- attributes
        sex,
        birth_date::date as birth_date,
        ethnic,
        region_code,
        county_code,
        is_migrant,
        ---------- timestamps
        updated_at::timestamptz as updated_at
    from source
)

select * from renamed
