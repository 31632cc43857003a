{#- Counts, amounts and durations are never negative; nulls pass. -#}
{% test non_negative(model, column_name) %}
select {{ column_name }} as value
from {{ model }}
where {{ column_name }} < 0
{% endtest %}
