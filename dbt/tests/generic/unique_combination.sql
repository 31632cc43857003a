{#- The listed columns together identify a row (the grain of a mart); nulls compare as values. -#}
{% test unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as rows
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}
