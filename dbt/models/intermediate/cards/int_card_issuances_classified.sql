-- 发卡 / 补卡 / 换卡: one row per card handed to its holder (the application's 领卡 time), by the
-- outlet it was collected at; the kiosk that issued it when the kiosk services recorded it.
with applications as (
    select * from {{ ref('stg_lakehouse__card_applications') }}
),

device_issuances as (
    select * from {{ ref('stg_ops__card_issuances') }}
),

collected as (
    select *
    from applications
    where picked_up_at is not null and card_no is not null
),

issuing_device as (
    -- a kiosk may report the same card twice (retries): its newest record wins
    select distinct on (card_no)
        card_no,
        device_id,
        outlet_code
    from device_issuances
    order by card_no, issued_at desc
),

classified as (
    select
        ---------- ids
        collected.application_id,
        collected.card_no,
        issuing_device.device_id,
        ---------- where
        coalesce(issuing_device.outlet_code, collected.pickup_outlet_code, collected.region_code) as outlet_code,
        collected.region_code as applicant_county_code,
        ---------- what
        case collected.business_type
            when '申领' then '发卡'
            when '补卡' then '补卡'
            when '换卡' then '换卡'
        end as issue_type,
        collected.channel,
        ---------- when
        collected.picked_up_at as issued_at,
        {{ business_date('collected.picked_up_at') }} as issue_date
    from collected
    left join issuing_device on collected.card_no = issuing_device.card_no
)

select * from classified
