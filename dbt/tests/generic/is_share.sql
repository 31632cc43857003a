{#- A share (rate) lies between 0 and 1; nulls (no denominator) pass. -#}
{% test is_share(model, column_name) %}
select {{ column_name }} as share
from {{ model }}
where {{ column_name }} < 0 or {{ column_name }} > 1
{% endtest %}
