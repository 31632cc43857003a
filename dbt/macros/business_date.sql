{#- The Beijing business date (业务日期) of a UTC timestamp. -#}
{% macro business_date(column) -%}
    ({{ column }} at time zone 'Asia/Shanghai')::date
{%- endmacro %}
