-- Mean data-quality score of the allies that submitted, per cycle.
with source as (
    select cycle, score
    from mart_data_quality
)
select cycle, avg(score) as mean_score
from source
where score is not null
group by cycle
order by cycle
