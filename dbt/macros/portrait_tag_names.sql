{#- Names for the portrait store's coded tags (持卡人画像): 险种代码 (AAE140) and risk flags. -#}
{% macro insurance_type_name(column) -%}
    case {{ column }}
        when '110' then '企业职工基本养老保险'
        when '120' then '机关事业单位养老保险'
        when '170' then '城乡居民基本养老保险'
        when '210' then '失业保险'
        when '310' then '职工基本医疗保险'
        when '390' then '城乡居民基本医疗保险'
        when '410' then '工伤保险'
        when '510' then '生育保险'
        else '其他（' || {{ column }} || '）'
    end
{%- endmacro %}

{% macro risk_flag_name(column) -%}
    case {{ column }}
        when 'card_uncollected_30d' then '制卡超30天未领'
        when 'pension_without_active_card' then '领养老金无正常卡'
        when 'card_expiring_90d' then '卡90天内到期'
        else {{ column }}
    end
{%- endmacro %}
