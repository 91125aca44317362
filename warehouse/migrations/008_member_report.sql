-- member_report: the current report of each ally that was a member at its cycle's end, with
-- the cycle's end and the ally's EU membership. Every mart compares these reports (a report
-- for a cycle before accession counts for nobody), so the rule is written once, here.
create view member_report as
select r.*, c.ends_on, a.eu_member
from current_report as r
join cycle as c on c.cycle = r.cycle
join ally as a on a.iso3 = r.country and a.joined_on <= c.ends_on;

comment on view member_report is 'The latest accepted report of each (country, cycle) whose country was an ally at the cycle''s end, with the cycle''s end (ends_on) and the ally''s EU membership (eu_member).';
