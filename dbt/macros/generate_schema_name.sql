{#- Custom schemas are used as named (`marts`, not `public_marts`): Superset and the services read
    `analytics.marts.*` whatever the target's default schema is. A run can set var `schema_prefix`
    (tests do) to build a whole copy of the project beside the real one (`<prefix>marts`, …). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
