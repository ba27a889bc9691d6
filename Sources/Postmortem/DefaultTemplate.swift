// Generated from templates/postmortem.md.mustache by scripts/embed-postmortem-template.sh; do not edit.
// PostmortemTests checks that it matches the file.

/// The default postmortem template, compiled in.
enum DefaultTemplate {
    static let text = #"""
{{! Warroom's postmortem template. Copy it to WORKSPACE/postmortem.mustache (or pass --template FILE) to change it;
    `warroom postmortem --list-variables` lists every variable. Unknown variables are refused, not left blank. }}
# Postmortem: {{id}} {{title}}

{{#drill}}
> **Drill.** This incident was a rehearsal; it is excluded from incident metrics.

{{/drill}}
{{#draft}}
> **Draft.** {{id}} is still {{state}}: the figures run to {{generated_at}} and will change.

{{/draft}}
| | |
|---|---|
| Incident | {{id}}{{#drill}} (drill){{/drill}} |
| Severity | {{worst_severity}} at worst, {{severity}} at the end |
| State | {{state}} |
| Declared by | {{declared_by}} |
| Incident commander | {{commander}} |
| Impact as declared | {{#impact}}{{impact}}{{/impact}}{{^impact}}not recorded{{/impact}} |
| Generated | {{generated_at}}, from entries #1–#{{through_entry}} |

Times are in {{time_zone}}{{^spans_days}} on {{date}}{{/spans_days}}, to the minute. Durations are measured
from the first signal, the earliest time any entry says something happened.

## Key times

| | time | |
|---|---|---|
{{#key_times}}
| {{label}} | {{time}} | {{note}} |
{{/key_times}}

## Durations

| | | from → to | duration |
|---|---|---|---|
{{#metrics}}
| {{measure}} | {{label}} | {{span}} | {{value}} |
{{/metrics}}

### Severity

| time | severity | reason | by | held for |
|---|---|---|---|---|
{{#severity_changes}}
| {{time}} | {{#from}}{{from}} → {{/from}}{{to}} | {{reason}} | {{actor}} | {{held_for}}{{#ongoing}} so far{{/ongoing}} |
{{/severity_changes}}

| severity | total time |
|---|---|
{{#time_at_severity}}
| {{severity}} | {{duration}}{{#ongoing}} so far{{/ongoing}} |
{{/time_at_severity}}

## Status updates

{{#updates.percent_on_time}}
{{updates.on_time}} of {{updates.due}} updates owed went out on time ({{updates.percent_on_time}}){{#updates.worst_late}}; the worst was {{updates.worst_late}} late{{/updates.worst_late}}.
{{/updates.percent_on_time}}
{{^updates.percent_on_time}}
No status update was owed.
{{/updates.percent_on_time}}
{{#updates.missed}}
{{#still_due}}An update has been due since {{due_at}} ({{overdue_by}} overdue) and has not gone out.{{/still_due}}{{^still_due}}The update due at {{due_at}} never went out ({{overdue_by}} overdue at resolution).{{/still_due}}
{{/updates.missed}}

{{#update_list}}
{{#first()}}
| sent | due | punctuality | severity | by | update |
|---|---|---|---|---|---|
{{/first()}}
| {{sent_at}} | {{#due_at}}{{due_at}}{{/due_at}}{{^due_at}}—{{/due_at}} | {{punctuality}} | {{severity}} | {{actor}} | {{message}} |
{{/update_list}}
{{^update_list}}
No status updates were sent.
{{/update_list}}

### Deliveries

{{#deliveries}}
{{#first()}}
{{delivery.delivered}} of {{delivery.count}} deliveries arrived ({{delivery.retried}} after a retry); {{delivery.not_delivered}} never did.

| entry | channel | attempts | outcome |
|---|---|---|---|
{{/first()}}
| {{what}} #{{update}} | {{channel}} | {{attempts}} | {{outcome}} |
{{/deliveries}}
{{^deliveries}}
No deliveries to channels were recorded.
{{/deliveries}}

## Pages

{{#pages}}
{{#first()}}
{{paging.sent}} pages sent, {{paging.acknowledged}} acknowledged, {{paging.unanswered}} unanswered.

| paged | who | for | via | by | acknowledged | time to acknowledge |
|---|---|---|---|---|---|---|
{{/first()}}
| {{paged_at}} | {{target}}{{#escalated_from}} (escalated from {{escalated_from}}){{/escalated_from}} | {{#role}}{{role}}{{#tier}}, {{tier}}{{/tier}}{{/role}}{{^role}}—{{/role}} | {{via}} | {{paged_by}} | {{#acknowledged_at}}{{acknowledged_at}}{{/acknowledged_at}}{{^acknowledged_at}}never{{/acknowledged_at}} | {{#time_to_acknowledge}}{{time_to_acknowledge}}{{/time_to_acknowledge}}{{^time_to_acknowledge}}—{{/time_to_acknowledge}} |
{{/pages}}
{{^pages}}
No pages were recorded.
{{/pages}}

## Runbooks

{{#runbooks}}
{{#first()}}
| runbook | attached | done | skipped | not done |
|---|---|---|---|---|
{{/first()}}
| {{title}} ({{runbook}}) | {{attached_at}} | {{done}} | {{skipped}} | {{open}} |
{{/runbooks}}
{{^runbooks}}
No runbooks were attached.
{{/runbooks}}

{{#runbook_steps}}
{{#first()}}
| time | step | outcome | by | against its timebox |
|---|---|---|---|---|
{{/first()}}
| {{#time}}{{time}}{{/time}}{{^time}}—{{/time}} | {{runbook}} #{{number}} {{text}} | {{outcome}}{{#reason}}: {{reason}}{{/reason}} | {{#actor}}{{actor}}{{/actor}}{{^actor}}—{{/actor}} | {{#against_timebox}}{{took}}, {{against_timebox}}{{/against_timebox}}{{^against_timebox}}—{{/against_timebox}} |
{{/runbook_steps}}
{{^runbook_steps}}
No runbook steps were recorded.
{{/runbook_steps}}

{{#milestones}}
{{#first()}}
Milestones, measured from the first signal:

| runbook | milestone | target | reached | verdict |
|---|---|---|---|---|
{{/first()}}
| {{runbook}} | {{milestone}} | {{target}} | {{#reached_at}}{{reached_at}}, after {{reached_after}}{{/reached_at}}{{^reached_at}}—{{/reached_at}} | {{verdict}} |
{{/milestones}}
{{^milestones}}
No runbook milestones were set.
{{/milestones}}

## Roles

| role | held by | from | until |
|---|---|---|---|
{{#roles}}
| {{role}} | {{holder}} | {{since}} | {{#until}}{{until}}{{/until}}{{^until}}the end{{/until}} |
{{/roles}}
{{#commander_also_held}}

Never handed out, so held by the incident commander: {{commander_also_held}}.
{{/commander_also_held}}

## Decisions

{{#decisions}}
- {{time}} {{text}} ({{actor}}, #{{id}}{{#corrected}}, corrected; first written: “{{original}}”{{/corrected}})
{{/decisions}}
{{^decisions}}
No decisions were recorded.
{{/decisions}}

## Action items captured during the incident

{{#action_items}}
- {{time}} {{text}} ({{actor}}, #{{id}}{{#corrected}}, corrected; first written: “{{original}}”{{/corrected}})
{{/action_items}}
{{^action_items}}
No action items were captured.
{{/action_items}}

## Summary

_To write: two or three sentences a reader outside the team understands: what broke, who noticed, how it was
fixed._

## Impact

_To write:_

- Who was affected: _customers, internal teams, regions, products_
- How many: _users, requests, orders, documents_
- How long: _the outage ran {{#durations.to_resolve}}{{durations.to_resolve}} from first signal to resolution{{/durations.to_resolve}}{{^durations.to_resolve}}— not resolved yet{{/durations.to_resolve}}; say when users were first and last affected_
- Business cost: _revenue, credits, SLA breaches, support load, reputation_

## Trigger

_To write: the change or event that set it off, and when._

## Root cause: five whys

_To write: start from the symptom and ask why until the answer is something the team can change._

1. Why _…_?
2. Why _…_?
3. Why _…_?
4. Why _…_?
5. Why _…_?

## Resolution

_To write: what restored service, and how recovery was verified (system, then service, then business)._

## What went well

_To write._

## What went badly

_To write._

## Where we got lucky

_To write: what could have made this worse and did not, by chance rather than by design._

## Action items

| action | owner | due | tracking |
|---|---|---|---|
{{#action_items}}
| {{text}} | | | |
{{/action_items}}
| _To write_ | | | |

## Timeline

Corrected entries show the correction, with what was first written; backdated entries show when they were
written down.

| # | time | kind | by | entry |
|---|---|---|---|---|
{{#timeline}}
| {{id}} | {{time}} | {{kind}} | {{actor}} | {{entry}} |
{{/timeline}}

"""#
}
