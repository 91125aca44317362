-- Goal domains: baseline requirements 1..7 in their order, then the cross-cutting ones.
select code, kind, number, label
from domain
order by number nulls last, code
