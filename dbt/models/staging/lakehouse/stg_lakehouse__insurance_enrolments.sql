with source as (
    select * from {{ source('lakehouse', 'raw_insurance_enrolment') }}
),

renamed as (
    select
        enrolment_id,
        person_no,
        id_token,
        insurance_type,
        enrol_state,
        enrol_date::date as enrol_date,
        employer_no,
        region_code,
        changed_at::timestamptz as changed_at
    from source
)

select * from renamed
