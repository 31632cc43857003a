{#- part / whole as a share in [0, 1], null when the whole is zero (no division by zero). -#}
{% macro safe_share(part, whole) -%}
    ({{ part }})::numeric / nullif({{ whole }}, 0)
{%- endmacro %}
