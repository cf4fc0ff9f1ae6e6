# The product's messages in English. Every id here is in zh-CN/rma.ftl too, with the same
# variables (a test checks). Keys, codes and times in machine outputs never come from here.

## Counts

units-count = { $count ->
    [one] { $count } unit
   *[other] { $count } units
}
tickets-count = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
}

## Ticket statuses and unit states

status = { $status ->
    [registered] registered
    [assessed] assessed
    [received] received
    [in_repair] in repair
    [inspected] inspected
    [shipped] shipped
    [confirmed] confirmed
    [closed] closed
    [archived] archived
    [on_hold] on hold
   *[cancelled] cancelled
}
unit-state = { $state ->
    [received] received
    [stored] stored
    [in_repair] in repair
    [awaiting_inspection] awaiting inspection
    [passed] passed
    [failed] failed
    [packed] packed
   *[shipped] shipped
}
unit-phrase = { $state ->
    [received] was received but is not in a storage area yet
    [stored] is in storage
    [in_repair] is in repair
    [awaiting_inspection] is waiting for inspection
    [passed] passed inspection
    [failed] failed inspection
    [packed] is packed
   *[shipped] is shipped
}
location = { $place ->
    [receiving] at receiving
    [package] in its package
    [shipped] shipped
   *[other] { $place }
}
location-bench = at { $name }'s bench

## Deadlines of the regulation

deadline = { $deadline ->
    [forward] pass to after-sales (2.2)
    [assessment] first assessment (2.3)
   *[confirmation] confirm delivery with the customer (5.2)
}

## Registration, assessment, inspection, costs

field = { $field ->
    [customer] customer
    [contact] contact
    [email] e-mail
    [phone] mobile number
    [customer_lang] customer's language
   *[fault] fault description
}
request = { $request ->
    [repair] repair
    [replace] replace
   *[refund] refund
}
severity = { $severity ->
    [simple] simple fault
   *[complex] complex fault
}
verdict = { $verdict ->
    [pass] passed
   *[fail] failed
}
cost-kind = { $kind ->
    [repair] repair
    [shipping] shipping
    [packaging] packaging
   *[parts] parts
}
payer = { $payer ->
    [company] the company
    [customer] the customer
   *[supplier] the supplier
}
liability = { $liability ->
    [quality_defect] quality defect
   *[misuse] misuse or damage by the customer
}

## One line per step, for histories and conflict reports

event-registered = registered the return
event-edited = changed { $field } to “{ $value }”
event-forwarded = passed the registration to after-sales
event-assessed-simple = assessed: simple fault
event-assessed-complex = assessed: complex fault, joint review
event-received = received { $count ->
    [one] { $count } unit
   *[other] { $count } units
}
event-received-into = received { $count ->
    [one] { $count } unit
   *[other] { $count } units
} into { $area }
event-moved = moved { $unit } to { $to }
event-assigned = assigned { $units } to repairer { $repairer }
event-repaired-finished = repair record for { $unit }: { $minutes } min, ready for inspection
event-repaired-continues = repair record for { $unit }: { $minutes } min, work continues
event-parts-requested = requested parts: { $parts }
event-inspected = inspected { $unit }: { $verdict } (inspector { $inspector })
event-ship-noticed = shipping notice: { $method } on { $date }
event-packed = packed { $units }
event-shipped = shipped with { $carrier }, tracking { $tracking }
event-confirmed = customer confirmed delivery on { $date }, satisfaction { $satisfaction }/5
event-cost = cost: { $kind } { $amount } paid by { $payer }
event-closed = closed the ticket
event-archived = archived, kept by { $keeper } until { $until }
event-held = put on hold: { $reason }
event-resumed = resumed work
event-cancelled = cancelled: { $reason }
event-conflict-resolved = resolved the conflict of event { $event }: { $note }
event-scanned = scanned { $code }
event-attached-photo = added a photo ({ $step }){ $captioned ->
    [no] {""}
   *[yes] : { $caption }
}
event-attached-document = added a document ({ $step }){ $captioned ->
    [no] {""}
   *[yes] : { $caption }
}
event-labels-printed = printed { $count ->
    [one] the label
   *[other] the labels
} { $codes } on { $printer } ({ $copies ->
    [one] { $copies } copy
   *[other] { $copies } copies
} each)

## Why the regulation does not allow a step now (the rule, its section, the way forward)

refusal-already_registered = the ticket was already registered
refusal-not_registered = the ticket has no registration: this document is damaged
refusal-archived = the ticket is archived (regulation 8): archived records can no longer change
refusal-cancelled = the ticket was cancelled ({ $reason }): only costs, corrections and archiving remain
refusal-closed = the ticket is closed: only costs, corrections and archiving remain
refusal-on_hold = the ticket is on hold ({ $reason }): resume it first with `rma-agent resume`
refusal-already_held = the ticket is already on hold
refusal-not_held = the ticket is not on hold
refusal-already_forwarded = the registration was already passed to after-sales
refusal-already_assessed = the ticket was already assessed on { $on } (regulation 2.3 asks for one first assessment)
refusal-not_assessed = regulation 2.3: the first assessment comes before you can { $step ->
    [receive] receive the units
    [assign] assign a repair
   *[parts] request parts
}; run `rma-agent assess` first
refusal-complex_needs_plan = regulation 2.3: a complex fault needs a joint assessment with technical and production that produces a repair plan; give --plan
refusal-already_received = the units of this ticket were already received and numbered
refusal-unit_not_of_ticket = unit { $unit } does not belong to ticket { $ticket }
refusal-unknown_unit = unit { $unit } has not been received: see `rma-agent show` for the ticket's units
refusal-cannot_move = unit { $unit } { $phrase }: it cannot be moved now (packed and shipped units travel with their package)
refusal-cannot_assign = unit { $unit } { $phrase }: only received, stored or failed units can be assigned to a repairer
refusal-not_assigned = regulation 3.1: unit { $unit } { $phrase } and not assigned to a repairer; assign it first with `rma-agent assign`
refusal-cannot_repair = unit { $unit } { $phrase }: a repair record is not possible now
refusal-not_repaired = regulation 3.4: only a repaired unit can be inspected; unit { $unit } { $phrase } (record a finished repair with `rma-agent repair` first)
refusal-not_passed = regulation 3.4 and 4.1: only units that passed inspection can be shipped; unit { $unit } { $phrase }
refusal-not_packed = regulation 4.2: unit { $unit } { $phrase } but is not packed yet; pack it first with `rma-agent pack`
refusal-no_ship_notice = regulation 4.1: sales issues the shipping notice before packing; run `rma-agent ship-notice` first
refusal-no_units = regulation 4.1: no unit of this ticket has been received yet, so nothing can be shipped
refusal-not_shipped = regulation 5.2: delivery can be confirmed only after every unit shipped
refusal-already_confirmed = delivery was already confirmed
refusal-already_answered = the customer answered the survey already (once per return)
refusal-not_confirmed = regulation 5.2: confirm delivery with the customer before closing (`rma-agent confirm`)
refusal-not_closed = regulation 8: only closed or cancelled tickets are archived; close it first
refusal-already_shipped = a ticket with shipped units cannot be cancelled
refusal-unknown_conflict = there is no open conflict for event { $event }
refusal-not-allowed = not allowed: { $reason }
bad-empty-field = a registration field cannot be emptied
bad-no-units = a receiving record needs at least one unit
bad-unit-order = the units of a receiving record are numbered 1, 2, 3, … in order
bad-assignment = an assignment names a repairer and units
bad-no-parts = a parts request names at least one part
bad-no-inspector = an inspection is signed by its inspector
bad-pack-nothing = packing names at least one unit
bad-no-carrier = regulation 4.3: a shipment needs its carrier and tracking number
bad-satisfaction = satisfaction is a score from 1 to 5
bad-zero-cost = a cost line needs a non-zero amount
bad-not-a-label = the code { $code } is not a label of ticket { $ticket }

## The agent's text output (show, history, list, areas)

out-status-line = Ticket { $ticket } is now: { $status }.
out-status-line-units = Ticket { $ticket } is now: { $status } (all { $count ->
    [one] { $count } unit
   *[other] { $count } units
} { $state }).
out-customer = Customer
out-model = Model
out-model-line = { $model } x{ $quantity }, customer asks for { $request }
out-fault = Fault
out-registered = Registered
out-registered-line = { $at } by { $by } at { $site }
out-forwarded = Forwarded
out-forwarded-line = { $at } to after-sales
out-assessed = Assessed
out-assessed-joint = complex fault, joint review with { $people }
out-handling = Handling
out-plan = Plan
out-received = Received
out-received-line = { $count ->
    [one] { $count } unit
   *[other] { $count } units
} of { $model } ({ $at }, { $by }), appearance: { $appearance }
out-discrepancy = Discrepancy
out-on-hold = ON HOLD
out-cancelled = CANCELLED
out-units = Units
out-inspections = { $count ->
    [one] { $count } inspection
   *[other] { $count } inspections
}
out-repair-minutes = { $minutes } min repair
out-repair = repair
out-repair-line = { $at } { $by }: { $steps } ({ $minutes } min)
out-repair-parts = parts: { $parts }
out-found = found: { $findings }
out-inspect = inspect
out-inspect-line = { $at } { $verdict } by { $inspector }
out-parts-requests = Parts requests
out-shipping = Shipping and follow-up
out-feedback = feedback: { $feedback }
out-not-working = the customer reports the unit does NOT work
out-costs = Costs
out-cost-for = for { $unit }
out-paid-by = paid by { $payer }
out-total = total
out-finished = Finished
out-overdue = OVERDUE
out-was-due = { $deadline } was due { $due }
out-conflicts = CONFLICTS between offline edits (a person must decide)
out-conflict = event { $event }: { $what } by { $by } at { $site } ({ $at }) did not take effect:
out-conflict-settle = settle it with: rma-agent resolve { $ticket } --event { $event } --note "what was decided"
out-field-conflict = { $field } was changed at two sites at once: { $values } (correct it with `rma-agent edit`)
out-unreadable = { $count ->
    [one] { $count } step was
   *[other] { $count } steps were
} recorded by a newer version of rma-agent and not shown; update this PC.
out-history-of = History of { $ticket }
out-conflict-open = CONFLICT, did not take effect
out-conflict-resolved = (conflict, resolved)
out-no-tickets = No tickets match.
out-col-ticket = TICKET
out-col-status = STATUS
out-col-customer = CUSTOMER
out-col-model = MODEL
out-col-qty = QTY
out-col-units = UNITS
out-col-area = AREA
out-col-name = NAME
out-more-units = +{ $count } more
out-flag-overdue = OVERDUE { $deadlines }
out-flag-conflicts = { $count ->
    [one] { $count } CONFLICT
   *[other] { $count } CONFLICTS
}
out-more-tickets = (more tickets match: narrow the filters, or use --limit 0 to see all)
out-no-areas = No storage areas yet: add one with `rma-agent area add CODE`.

## The agent's commands

error-prefix = error:
scan-already-in = { $unit } is already in { $area }.
scan-moved = { $unit } moved to { $area }. { $status }
scan-just-scanned = { $code } was just scanned.
scan-unit-at = { $unit }: { $state }, { $place }.
scan-customer = Customer: { $customer }.
cost-added = Added a { $kind } cost of { $amount } to { $ticket }, paid by { $payer }.
edit-changed = Changed the { $field } of { $ticket }.

## The office's pages: frame, sign-in

brand = RMA office
nav-board = Board
nav-analysis = Monthly analysis
nav-costs = Cost ledger
nav-sites = Sites
log-out = Log out
back-to-board = Back to the board
cross-site = This form was sent from another site; open the page on this server and send it again.
role = { $role ->
    [sales] Sales
    [after_sales] After-sales service
    [technical] Technical
    [production] Production
    [procurement] Procurement
    [finance] Finance
    [head] Head
   *[admin] Administrator
}
age-minutes = { $count } min
age-hours = { $count } h
age-days = { $count } d
login-title = Log in
login-name = Name
login-password = Password
login-button = Log in
login-no-account = No account? The administrator adds people with
login-too-many = Too many wrong passwords. Wait { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}, then try again.
login-wrong = Wrong name or password. Try again.
login-failed = The server could not check the password; see its log.

## The board

store-unreadable = The server could not read its store; see its log.
col-ticket = Ticket
col-customer = Customer
col-model = Model
col-quantity = Qty
col-status = Status
col-site = Site
col-area = Storage area
board-no-such-ticket = No ticket { $number } has reached the server.
board-search-failed = The search could not be run; see the server's log.
board-not-a-number = “{ $text }” is not a ticket or unit number (they look like WH1-2026-00042 or WH1-2026-00042-1).
board-not-a-status = “{ $text }” is not a status; showing every status.
board-all = All
board-overdue = Overdue
board-ticket-or-unit = Ticket or unit
board-any = any
board-overdue-only = Overdue only
board-show = Show
board-clear = Clear
board-units = Units (state, location)
board-age = Age
board-overdue-flag = overdue: { $deadline }
board-newer = Newer
board-older = Older
board-page = Page { $page }
board-updated = Updated { $time } ({ $zone }); the board reloads itself every 15 s.

## A ticket's page

not-yet = not yet
col-when = When
col-what = What
col-who = Who
ticket-title = Ticket { $number }
ticket-not-a-number-title = Not a ticket number
ticket-not-a-number = “{ $text }” is not a ticket number (they look like WH1-2026-00042).
ticket-unreadable-title = Ticket unreadable
ticket-unreadable = Ticket { $number } could not be read; see the server's log.
ticket-none-title = No such ticket
ticket-none = No ticket { $number } has reached the server. If a site created it offline, it appears after that site syncs.
ticket-unknown-label = Unknown label
ticket-who = { $at }, { $by } at { $site }
ticket-by-at = { $by } at { $site }
ticket-conflicts = Conflicts between offline edits
ticket-conflicts-explain = Two sites recorded steps that cannot both hold. Nothing was dropped: a person at a site settles each with
ticket-conflict = { $what } by { $by } at { $site }, { $at }: not applied, because { $reason }.
ticket-overdue = overdue: { $deadline }, due { $due }
ticket-contact = Contact
ticket-quantity = Quantity
ticket-request = Customer asks for
ticket-forwarded = Passed to after-sales
ticket-assessment = First assessment
ticket-receiving = Receiving
ticket-ship-notice = Shipping notice
ticket-shipments = Shipments
ticket-confirmation = Customer confirmation
ticket-closed = Closed
ticket-archive = Archive
ticket-unit = Unit
ticket-state = State
ticket-location = Location
ticket-repairer = Repairer
ticket-inspections = Inspections
ticket-repair-minutes = Repair minutes
ticket-records = Records
ticket-no-units = No units received yet.
ticket-no-costs = No cost lines.
ticket-totals = Totals:
ticket-total = { $amount } paid by { $payer }
ticket-history = History
ticket-conflict-settled = (conflict settled)
ticket-clock-ahead = recorded with a clock { $span } ahead: counted at its arrival
ticket-clock-unsure = recorded at a PC time not confirmed (its clock had gone back)

## The sites page

sites-explain = A site is overdue to sync when it has not synced for { $age }
sites-none = No sites enrolled yet:
sites-enrolled = Enrolled
sites-last-sync = Last sync
sites-not-pulled = Changes not yet pulled
sites-waiting = Changes waiting to push
sites-sync = Sync
sites-clock = Clock
sites-clock-right = right
sites-clock-ahead = { $span } ahead
sites-clock-behind = { $span } behind
sites-revoked = revoked { $at }
sites-active = active
sites-ago = { $age } ago
sites-never = never
sites-overdue = overdue
sites-ok = ok
sites-refused = Tickets the server refused
sites-refused-explain = These stay at the site until they are corrected there; the rest of each sync went through.
sites-why = Why

## The monthly analysis (regulation 7) and its CSV

download-csv = Download CSV
download-xlsx = Download Excel
costs-by-payer = Totals by payer
costs-by-liability = Totals by liability
analysis-score-column = Score (1-5)
analysis-confirmations = Confirmations
archive-disposed = Disposed of
chart-nothing = nothing this month
chart-by-model = Returned units by model
chart-faults = Fault types (tickets)
chart-scores = Satisfaction scores
analysis-title = Monthly analysis { $month }
analysis-month = Month
analysis-explain = Counted over the tickets registered in { $month }. Repair time is the time from a unit's receipt to the inspection it passed (calendar hours), over the month's units that have passed. First-pass rate is the share of inspected units that passed their first inspection. Fault type is the type set at the first assessment, else the customer's fault description.
analysis-returns = Returns
analysis-returns-line = { $tickets ->
    [one] { $tickets } ticket
   *[other] { $tickets } tickets
}, { $units ->
    [one] { $units } unit
   *[other] { $units } units
}
analysis-repair-time = Repair time
analysis-repair-line = average { $average } h over { $units ->
    [one] { $units } unit
   *[other] { $units } units
}; longest { $longest }
analysis-longest = { $hours } h ({ $unit })
analysis-bench-time = Bench time
analysis-bench-line = average { $average } min per repaired unit
analysis-first-pass = First-pass inspections
analysis-first-pass-line = { $percent } % ({ $passed } of { $inspected ->
    [one] { $inspected } unit
   *[other] { $inspected } units
})
analysis-satisfaction = Customer satisfaction
analysis-satisfaction-line = average { $average } of 5 over { $confirmations ->
    [one] { $confirmations } confirmation
   *[other] { $confirmations } confirmations
}; { $working } working
analysis-surveys = Customers' own survey
analysis-surveys-line = average { $average } of 5 over { $answers ->
    [one] 1 answer
   *[other] { $answers } answers
}
analysis-score = { $score } of 5
analysis-by-model = Returns by model
analysis-tickets = Tickets
analysis-units = Units
analysis-fault-types = Fault types
analysis-fault-type = Fault type
analysis-feedback = Customer feedback
analysis-no-feedback = No feedback this month.
csv-section = Section
csv-item = Item
csv-value = Value
csv-all-models = all models
csv-average-hours = average hours
csv-longest-hours = longest hours ({ $unit })
csv-bench-minutes = average bench minutes
csv-inspection = Inspection
csv-first-pass = first-pass rate %
csv-of = { $part } of { $whole }
csv-average-of-5 = average of 5
csv-working = working after repair

## The cost ledger (regulation 6) and its CSV

costs-forbidden = The cost ledger is kept by after-sales and audited by finance (regulation 6); ask one of them, or the head, for what you need.
costs-backwards = The range starts ({ $from }) after it ends ({ $to }).
costs-total = Total
costs-payer = Payer
costs-kind = Kind
costs-from = From
costs-to = To
costs-count = { $count ->
    [one] { $count } cost line
   *[other] { $count } cost lines
} recorded from { $from } to { $to }.
costs-lines = Lines
costs-earlier = Earlier
costs-later = Later
costs-page = Page { $page } of { $pages }
costs-amount = Amount
costs-liability = Liability
costs-recorded-by = Recorded by
costs-recorded-at = Recorded at
costs-note = Note
costs-currency = Currency

## Codes that could not be read

id-site = “{ $text }” is not a site code: use 2 to 10 letters or digits starting with a letter, e.g. WH1
id-ticket = “{ $text }” is not a ticket number: expected SITE-YEAR-NUMBER, e.g. WH1-2026-00042
id-unit = “{ $text }” is not a unit number: expected a ticket number and the unit, e.g. WH1-2026-00042-3
id-area = “{ $text }” is not a storage area code: use 1 to 16 letters, digits, '-' or '.', e.g. SHELF-A1
id-ticket-id = “{ $text }” is not a ticket id: expected 32 hexadecimal digits
month-error = “{ $text }” is not a month: write it as YYYY-MM, e.g. 2026-11
label-error = read “{ $text }”, which is not a label code: expected A:AREA, U:UNIT, T:TICKET or P:TICKET (e.g. U:WH1-2026-00042-3)

## Label captions

label-package-model = Model { $model } x{ $quantity }
label-package-customer = Customer: { $customer }
label-package-date = Ship date: { $date }
label-date-open = not agreed yet
label-unit-line = { $model } - unit { $k } of { $of }

## What each step says when it is done

done-archived = Archived { $ticket }, kept by { $keeper } until { $until }.
done-assessed = Assessed { $ticket }.
done-assigned = Assigned { $count ->
    [one] { $count } unit
   *[other] { $count } units
} to { $repairer }.
done-cancelled = Cancelled { $ticket }.
done-closed = Closed { $ticket }.
done-confirmed = Delivery of { $ticket } confirmed, satisfaction { $satisfaction }/5.
done-forwarded = Passed { $ticket } to after-sales.
done-held = Put { $ticket } on hold.
done-passed = { $unit } passed inspection.
done-failed = { $unit } failed inspection and goes back to repair.
done-moved = Moved { $unit } to { $to }.
done-packed = Packed { $count ->
    [one] { $count } unit
   *[other] { $count } units
} of { $ticket }.
done-parts = Asked procurement for { $count ->
    [one] { $count } part line
   *[other] { $count } part lines
}.
done-repaired = Recorded the repair of { $unit } ({ $minutes } min); it now waits for inspection.
done-repair-continues = Recorded { $minutes } min of work on { $unit }; it stays at the bench.
done-resolved = Resolved the conflict on { $ticket }.
done-resumed = Resumed work on { $ticket }.
done-shipped = Shipped { $count ->
    [one] { $count } unit
   *[other] { $count } units
} of { $ticket } with { $carrier }, tracking { $tracking }.
done-ship-notice = Shipping notice for { $ticket }: { $method } on { $date }.
done-area = Storage area { $area } is set up.
done-received = Received { $count ->
    [one] { $count } unit, numbered { $first }
   *[other] { $count } units, numbered { $first } to { $last }
}{ $place }.
receive-stored = { " " }and stored them in { $area }
receive-not-stored = { " " }(not yet in a storage area: use `rma-agent move`)
receive-discrepancy = Discrepancy noted: { $text }
receive-not-printed = the units are received, but their labels were not printed: { $why }. Print them later with `rma-agent label ticket { $ticket } --print`
receive-quantity-differs = { $arrived ->
    [one] { $arrived } unit
   *[other] { $arrived } units
} arrived, { $registered } registered
receive-model-differs = model { $model }, registered { $registered }

## rma-agent status and sync

status-site = Site
status-server = Server
status-reachable = { $url } (reachable)
status-unreachable = { $url } (NOT reachable now)
status-no-server = none yet (`rma-agent enroll --server URL --token TOKEN`)
status-last-sync = Last sync
status-last-sync-line = { $at } (sent { $sent }, received { $received })
status-waiting = Waiting
status-waiting-line = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
} with changes to send
status-refused = Refused
status-refused-line = { $count ->
    [one] { $count } ticket
   *[other] { $count } tickets
} the server will not take as they are:
sync-done = Synced in { $ms } ms: sent { $sent ->
    [one] { $sent } ticket
   *[other] { $sent } tickets
} ({ $up }), received { $received ->
    [one] { $received } ticket
   *[other] { $received } tickets
} ({ $down }).
sync-refused = The server refused: { $reason }
sync-pending = { $count ->
    [one] { $count } ticket still waits
   *[other] { $count } tickets still wait
} to be sent.

## Setting up, serving, backups, scans, labels

init-done = This PC is set up as site { $site } (data in { $data }).
init-next = Next: add storage areas with `rma-agent area add CODE`, then `rma-agent intake`.
enroll-connected = Connected to { $url }. Run `rma-agent sync` (or keep `rma-agent serve` running).
enroll-saved-offline = Saved the server { $url }, which cannot be reached right now; work goes on offline and syncs once it can.
serve-started = Agent of site { $site } serving on { $url }; commands on this PC now go through it. Stop with Ctrl-C.
stop-done = Stopped the serve (process { $pid }, { $who }); commands open the store themselves now.
stop-none = No serve holds this data folder.
serve-by-person = started by a person
serve-by-command = left running by a command
serve-no-page = no bench page
serve-held = a serve started by a person holds this data folder already (process { $pid }, since { $since }, { $page }): use that one, or stop it first with `rma-agent stop`
event-clock-corrected = the office noted step { $event } dated ahead of the server's clock: it counts at its arrival, { $arrived }
clock-went-back = this PC's clock went back: it shows { $now }, but it showed { $measured } at the last sync. Set the clock right (or turn on time sync), or sync, which measures it again; `--force` records anyway, marked as recorded at an unsure time
clock-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
clock-hours = { $count ->
    [one] { $count } hour
   *[other] { $count } hours
}
clock-days = { $count ->
    [one] { $count } day
   *[other] { $count } days
}
clock-ahead = This PC's clock is { $span } ahead of the server's. Steps are recorded at the server's time meanwhile; set the PC's clock right, or turn on time sync (Windows: Settings > Time > Sync now; Linux: timedatectl set-ntp true).
clock-behind = This PC's clock is { $span } behind the server's. Steps are recorded at the server's time meanwhile; set the PC's clock right, or turn on time sync (Windows: Settings > Time > Sync now; Linux: timedatectl set-ntp true).
clock-right = matches the server's (measured { $at })
clock-not-measured = not measured yet (the first sync measures it against the server's)
status-clock = Clock
status-serve = Serve
status-serve-none = none: each command opens the store itself
status-serve-person = started by a person (process { $pid }, since { $since }), bench page: { $page }
status-serve-command = left running by a command (process { $pid }, since { $since }; it stops when idle, or with `rma-agent stop`), { $page }
backup-done = Backed up site { $site } ({ $keys } keys) to { $path }.
restore-done = Restored site { $site } into { $data }. Run `rma-agent sync` to catch up with the server.
scan-failed = { $count ->
    [one] { $count } scan
   *[other] { $count } scans
} could not be used (see above)
scan-not-used = NOT USED: { $message }
label-wrote = Wrote { $file }.
label-sent = Sent { $count ->
    [one] { $count } label
   *[other] { $count } labels
} to { $printer } ({ $copies ->
    [one] { $copies } copy
   *[other] { $copies } copies
} each).

## The agent's store

store-not-initialised = there is no agent data in { $what } yet: run `rma-agent init --site CODE` first, or point --data at the right folder
store-already-initialised = this agent was already set up for site { $what }; a site code cannot change once tickets are numbered with it
store-unknown-ticket = there is no ticket { $what } here: check the number (`rma-agent list` shows the tickets)
store-archived-at-server = ticket { $what } is in the archive at the central office: its file is kept there, not at this site (regulation 8). Reading it needs an approved access application, at the office pages
store-unknown-area = storage area { $what } is not set up: add it with `rma-agent area add { $what }`
store-area-exists = storage area { $what } already exists
store-in-use = the data folder { $what } is in use by another program: `rma-agent status` says which serve holds it (stop it with `rma-agent stop`); otherwise wait for the command still running

## Talking to the server

sync-not-enrolled = this agent is not connected to a server yet: ask the office for a token, then run `rma-agent enroll --server URL --token TOKEN`
sync-certificate = the server at { $url } could not prove it is the right server: { $problem }
sync-unreachable = cannot reach the server at { $url } (work goes on offline; sync again later)
sync-server-refused = the server refused the sync ({ $status }): { $message }
sync-bad-answer = the server's answer could not be read: { $reason }
sync-revoked = the office revoked this site, so this PC can no longer sync; its next sync removes the tickets the office holds and keeps what it has not sent
sync-revoked-let-go = the office revoked this site, so this PC can no longer sync: { $let_go ->
    [0] no ticket the office holds is left on this PC
    [one] 1 ticket the office already holds was removed from this PC
   *[other] { $let_go } tickets the office already holds were removed from this PC
}{ $kept ->
    [0] .
    [one] ; 1 ticket with steps not yet sent stays here: ask the office to enrol this site again (`rma-server site add`), then `rma-agent enroll` with the new token sends it.
   *[other] ; { $kept } tickets with steps not yet sent stay here: ask the office to enrol this site again (`rma-server site add`), then `rma-agent enroll` with the new token sends them.
}
sync-lost = the connection to the server was lost ({ $reason }); work goes on offline; sync again later
cert-unknown-issuer = its certificate is signed by an authority this PC does not trust. If the company has its own certificate authority, enroll again with `--ca-cert FILE` (the CA file from the office)
cert-wrong-name = its certificate is made for another name. Enroll again with the address the certificate names (ask the office which)
cert-expired = its certificate has expired or is not valid yet. Check this PC's date and time; if they are right, the office must renew the certificate
cert-ca-as-server = it presents a certificate authority's certificate as its own. The office must make a server certificate signed by the company CA (the README shows how)
cert-not-tls = it does not speak https at that address. Check the address: perhaps http://, or another port
cert-other = its certificate was refused ({ $reason }); ask the office

## Mistakes on the command line

label-bad-address = address under [labels] in settings.toml must start with https:// (or http://), e.g. https://rma.example.com; it is “{ $address }”
label-sheet-pdf = --sheet is for PDF: add --format pdf
label-no-printer = no label printer is set up: give --print QUEUE or --print tcp://HOST:9100, or set printer under [labels] in settings.toml
label-needs-file = PNG and PDF labels are files: add -o FILE (or print them with --print)
label-printer-formats = printers take ZPL, TSPL, PDF or PNG: add --format zpl, tspl, pdf or png
label-name-area = name an area, or give --all
label-not-noted = Not noted in ticket { $ticket }: { $why }
label-write = cannot write { $file }
no-units-yet = ticket { $ticket } has no units yet: receive them first with `rma-agent receive`
units-one-ticket = give units of one ticket at a time
units-or-ticket = give either the ticket { $ticket } alone or unit numbers
edit-nothing = nothing to change: give --customer, --contact or --fault
receive-appearance-not-noted = not noted

## rma-server's commands

server-listening = rma-server listening on { $url } (store: { $store })
server-backup-done = Backed up the store ({ $keys } keys) to { $path }.
report-needs-database = the report's SQL tables are kept in PostgreSQL only; on this store, `rma-server report export --to DIR` writes them as CSV files
report-rebuilt = Made the report's tables again: { $tickets } tickets, { $sites } sites (schema rma_report).
report-granted = The database role { $role } may now read the schema rma_report, and nothing else of the store.
report-exported = Wrote the report's tables ({ $tickets } tickets, { $sites } sites) as CSV files into { $path }.
server-restore-done = Restored { $keys } keys (a backup of { $made }) into { $place }.
server-site-added = Site { $code } is enrolled. Its token (shown only now, keep it secret):
server-site-next = On that site's PC:
server-site-revoked = Site { $code } is revoked; its token no longer works. At their next sync its PCs remove the tickets the office holds and keep only what they have not sent.
server-user-added = { $name } can now log in to the office pages ({ $role }), at { $address }
server-site-exists = site { $what } is already enrolled; revoke it first to issue a new token
server-unknown-site = site { $what } is not enrolled
server-reserved-site = { $what } is the central office's own code (its records carry it); choose another for a site
server-unknown-ticket = there is no ticket { $what } at the server
server-actor-taken = this agent installation is already enrolled as site { $what }; an installation belongs to one site
server-cannot-write = cannot write { $what }
server-in-use = the server's data folder { $what } is in use by another program (a running `rma-server serve`, or a command still running): use that one, or stop it first
server-user-added-offline = { $name } can now log in to the office pages ({ $role }) once the server runs (`rma-server serve`)
server-user-removed = { $name } is removed and logged out.
server-no-users = No users yet: `rma-server user add NAME --role ROLE`.
server-col-lag = LAG
server-col-pending = PENDING
server-revoked = revoked

## Command-line help (the options' own help stays in the code)

help-rma-agent = The return-for-repair agent: every step of the regulation at the bench, offline.
help-rma-agent-init = Set up this PC as an agent for a site (once).
help-rma-agent-intake = Register a customer's return (regulation 2.1).
help-rma-agent-edit = Correct the customer, contact or fault description of a ticket.
help-rma-agent-forward = Pass the registration on to after-sales (2.2).
help-rma-agent-assess = Record the first assessment: simple, or complex with a joint repair plan (2.3).
help-rma-agent-receive = Check, number and store the units that arrived (2.4).
help-rma-agent-area = Set up and list storage areas.
help-rma-agent-area-add = Set up a labelled storage area.
help-rma-agent-area-list = List storage areas and how many units each holds.
help-rma-agent-move = Put a unit in a storage area.
help-rma-agent-assign = Assign units to a repairer (3.1).
help-rma-agent-repair = Record a repair: steps, parts, time (3.2).
help-rma-agent-parts-request = Ask procurement for parts (3.2).
help-rma-agent-inspect = Record an inspection: pass (signed) or fail (back to repair) (3.4).
help-rma-agent-ship-notice = Record the shipping method and date agreed with the customer (4.1).
help-rma-agent-pack = Pack units that passed inspection (4.2).
help-rma-agent-ship = Hand the package to the carrier, with its tracking number (4.3).
help-rma-agent-confirm = Record the customer's confirmation of delivery and satisfaction (5.2).
help-rma-agent-cost = Add a line to the cost ledger (6).
help-rma-agent-close = Close a ticket after the customer confirmed delivery.
help-rma-agent-archive = File a closed ticket in the archive with its keeper and retention (8).
help-rma-agent-hold = Pause work on a ticket.
help-rma-agent-resume = Continue work on a ticket on hold.
help-rma-agent-cancel = Cancel a ticket that will not be repaired.
help-rma-agent-resolve = Settle a conflict between steps taken offline at two sites.
help-rma-agent-show = Show a ticket (or the ticket of a unit) with all its records.
help-rma-agent-list = List tickets, newest first.
help-rma-agent-history = Show every step taken on a ticket, with who, where and when.
help-rma-agent-config = Show the settings in effect.
help-rma-agent-demo = Try it out: a demo site with tickets taken through the regulation.
help-rma-agent-serve = Keep this PC's agent running: commands answer faster through it, it syncs in the background, and it serves the bench page.
help-rma-agent-enroll = Connect this agent to the central server with this site's token.
help-rma-agent-sync = Sync with the server now.
help-rma-agent-status = Show the sync state: server, last sync, changes waiting, reachable or not.
help-rma-agent-stop = Stop the running serve of this data folder (`rma-agent status` says which one holds it).
help-rma-agent-backup = Copy this PC's whole store into one file, while the agent works.
help-rma-agent-restore = Bring back a store from a backup file, into a data folder with no store yet.
help-rma-agent-scan = Read scanned labels: an area then units moves them there; a unit or ticket shows it.
help-rma-agent-label = Make QR labels for areas, units, tickets and packages (SVG, PNG, PDF, ZPL, TSPL).
help-rma-agent-label-area = A storage area's label (100 x 50 mm), or every area's with --all.
help-rma-agent-label-unit = One unit's label (50 x 25 mm).
help-rma-agent-label-ticket = The labels of every unit of a ticket.
help-rma-agent-label-package = The package label (100 x 70 mm): model, quantity, customer, ship date (4.2).
help-usage = Usage:
help-commands = Commands
help-options = Options
help-rma-agent-examples =
    Examples (one ticket from intake to archive):
      rma-agent init --site WH1
      rma-agent area add SHELF-A1 --name "Returns shelf A1"
      rma-agent intake --customer "Acme Ltd" --model X200 --quantity 2 --fault "no power" --request repair
      rma-agent assess WH1-2026-00001 --severity simple
      rma-agent receive WH1-2026-00001 --area SHELF-A1
      rma-agent assign WH1-2026-00001 --repairer Bob
      rma-agent repair WH1-2026-00001-1 --steps "replaced fuse" --part FUSE-5A:1 --minutes 25
      rma-agent inspect WH1-2026-00001-1 --pass
      rma-agent list --overdue
      rma-agent show WH1-2026-00001

    Every command works offline. Add --json to get machine-readable output.
help-example = Example:
help-examples = Examples:
help-help = Print help
help-opt-data = The folder holding this PC's tickets
help-opt-json = Print records as JSON instead of text
help-opt-user = Your name, recorded with every step you take
help-opt-config = A settings file to use instead of the one in the data folder
help-opt-lang = The language of messages: en or zh-CN (else RMA_LANG, else the locale, else the setting); --json output stays the same
help-opt-force = Record a step even though this PC's clock went back since its last sync (marked as recorded at an unsure time)
help-version = Print version
help-rma-server = The central return-for-repair server: merges every site's tickets.
help-rma-server-serve = Run the server.
help-rma-server-site = Enrol, list and revoke sites (agent installations).
help-rma-server-site-add = Enrol a site and print its token (shown once: only a hash is kept).
help-rma-server-site-revoke = Revoke a site's token: its next request is refused.
help-rma-server-site-list = List enrolled sites with their last sync.
help-rma-server-user = Add, list and remove the people who log in to the office's web pages.
help-rma-server-user-add = Add a person. The password (8 characters or more) is read from standard input: typed, or piped.
help-rma-server-user-remove = Remove a person; their sessions end at once.
help-rma-server-user-list = List the people and their roles.
help-rma-server-backup = Copy the whole store (tickets, feed, sites, users) into one file, while the server runs.
help-rma-server-restore = Bring back a store from a backup file, into an empty data folder or database (stop the server first).
help-rma-server-migrate = Move the data folder's store into a PostgreSQL database (stop the server first).
help-rma-server-report = The office's data as tables for the company's own tools: on PostgreSQL the schema rma_report, kept with every sync; on either store CSV files.
help-rma-server-report-rebuild = Make the tables of the schema rma_report again from the store (PostgreSQL; the server may keep running).
help-rma-server-report-grant = Let a database role read the schema rma_report, and nothing else of the store (PostgreSQL).
help-rma-server-report-export = Write the same tables as CSV files into a folder (either store, server running or not).
help-opt-rma-server-data = The folder holding the server's store
help-opt-database = Keep the store in this PostgreSQL database instead of the data folder (also [database] url, or RMA_SERVER_DATABASE)
help-opt-listen = The address to listen on
help-opt-tls_cert = Serve HTTPS with this certificate (PEM; also [tls] cert in server.toml)
help-opt-tls_key = The certificate's private key (PEM; also [tls] key in server.toml)
help-rma-server-examples =
    Examples:
      rma-server serve                      # listen on 127.0.0.1:8080, data in ./rma-server-data
      rma-server serve --database postgres://rma:PASSWORD@127.0.0.1/rma   # the store in PostgreSQL
      rma-server serve --listen 0.0.0.0:8443 --tls-cert /etc/rma/cert.pem --tls-key /etc/rma/key.pem
      rma-server site add WH1               # enrol a site; prints its token once
      rma-server site list
      rma-server site revoke WH1            # its token stops working at once
      rma-server user add li.wei --role finance   # asks for the password (or reads it from stdin)
      rma-server user add zhou --role head --department sales   # sales' head: decides sales' archive applications
      rma-server user list

    Then, on the site's PC:
      rma-agent init --site WH1 --server http://127.0.0.1:8080 --token TOKEN
      rma-agent sync

## Settings, backups, stores

settings-read = cannot read the settings file { $path }
settings-parse = the settings file { $path } is not valid: { $message }
settings-env = the environment variable { $name }=“{ $value }” is not valid: { $expected }
backup-write = cannot write the backup { $path }
backup-read = cannot read the backup { $path }
backup-not-a-backup = { $path } is not a backup of this program: { $why }
backup-damaged = { $path } is damaged: its checksum does not match what it holds; nothing was restored
backup-wrong-kind = { $path } is a backup of { $found }'s store, not of { $wanted }'s; nothing was restored
backup-not-empty = the store already holds data; a backup is restored only into an empty one (a new data folder or database)
kv-locked = the store in { $path } is in use by another process; only one can open it at a time
kv-open = cannot open the data folder { $path }
kv-newer = the store holds data of a newer version ({ $found }, this program knows { $known }); update this program
kv-failed = the local store could not be read or written
kv-database = the database failed: { $reason }
store-damaged = ticket { $ticket } is damaged in the store: { $why }
store-folder = cannot create the data folder { $path }
ca-unreadable = cannot read the CA file { $path }: { $reason }
ca-empty = { $path } holds no certificate: a CA file is PEM text starting with -----BEGIN CERTIFICATE-----
io-disk-full = the disk is full: free some space (delete old files or backups), then try again
io-read-only = the folder is read-only: use a folder this PC can write to, or ask IT to make it writable
io-no-permission = this user may not write there: run it as the user who owns the data folder, or ask IT to give access
enroll-empty-token = the token is empty: copy it as `rma-server site add` printed it
enroll-token-refused = the server at { $url } refused this token: { $message }
enroll-bad-address = “{ $text }” is not a server address: write it like http://10.0.0.5:8080
server-no-sites = No sites enrolled yet: `rma-server site add CODE`.
demo-heading = Demo site DEMO, data in { $data }
demo-look-around = Look around this demo site yourself:
config-env = Environment variables override these:

## Each command's options

help-rma-agent-init--site = This site's code: 2 to 10 letters or digits, e.g. WH1, SZBENCH2
help-rma-agent-init--server = The central server's address (with --token; or later with `rma-agent enroll`)
help-rma-agent-init--token = This site's token from `rma-server site add`
help-rma-agent-init--ca_cert = The company's certificate authority (PEM), for an https server whose certificate it signed
help-rma-agent-intake--customer = The customer's name
help-rma-agent-intake--contact = How to reach the customer
help-rma-agent-intake--customer_lang = The language the customer reads: en or zh-CN (their status page and notices)
help-rma-agent-intake--phone = The customer's mobile number, for text messages
help-rma-agent-intake--email = The customer's e-mail address, for notices about their return
help-rma-agent-intake--model = The product model
help-rma-agent-intake--quantity = How many units come back
help-rma-agent-intake--fault = The fault as the customer describes it
help-rma-agent-intake--request = What the customer asks for
help-rma-agent-edit--customer = The customer's name
help-rma-agent-edit--contact = How to reach the customer
help-rma-agent-edit--customer_lang = The language the customer reads: en or zh-CN
help-rma-agent-edit--phone = The customer's mobile number
help-rma-agent-edit--email = The customer's e-mail address
help-rma-agent-edit--fault = The fault as the customer describes it
help-rma-agent-forward--note = Anything after-sales should know
help-rma-agent-assess--severity = Simple, or complex (joint review with technical and production)
help-rma-agent-assess--handling = How the fault will be handled, in a few words
help-rma-agent-assess--technical = Who from technical joined the joint review (repeat for several)
help-rma-agent-assess--production = Who from production joined the joint review (repeat for several)
help-rma-agent-assess--plan = The repair plan of the joint review (required for complex faults)
help-rma-agent-assess--fault_type = The kind of fault, counted in the monthly analysis (e.g. "power supply")
help-rma-agent-receive--area = The storage area the units go to (see `rma-agent area list`)
help-rma-agent-receive--quantity = How many units arrived (default: the registered quantity)
help-rma-agent-receive--model = The model found on the units (default: the registered model)
help-rma-agent-receive--appearance = What the units look like (default: "not noted")
help-rma-agent-receive--discrepancy = What does not match the registration form
help-rma-agent-receive--print_labels = Print the units' labels once they are numbered: on this printer (a CUPS queue or tcp://HOST:9100), or alone on the printer in settings.toml [labels]
help-rma-agent-area-add--code = The code on the area's label: letters, digits, '-' or '.'
help-rma-agent-area-add--name = A description people recognise
help-rma-agent-move--to = The storage area
help-rma-agent-assign--what = A ticket number, or one or more unit numbers of one ticket
help-rma-agent-assign--repairer = The repairer
help-rma-agent-repair--steps = What was done, following the technical solution
help-rma-agent-repair--part = A part replaced, as PART or PART:QUANTITY (repeat for several)
help-rma-agent-repair--minutes = Minutes spent
help-rma-agent-repair--findings = New problems found, reported to after-sales and technical
help-rma-agent-repair--unfinished = The repair is not finished; the unit stays at the bench
help-rma-agent-parts-request--what = The ticket, or the unit the parts are for
help-rma-agent-parts-request--part = A part, as PART or PART:QUANTITY (repeat for several)
help-rma-agent-inspect--pass = The unit meets the quality standard
help-rma-agent-inspect--fail = The unit goes back to repair
help-rma-agent-inspect--inspector = The inspector signing (default: you)
help-rma-agent-ship-notice--method = How it ships (courier, freight, customer pick-up...)
help-rma-agent-ship-notice--date = The agreed ship date, YYYY-MM-DD
help-rma-agent-ship--carrier = The carrier
help-rma-agent-ship--tracking = The tracking number
help-rma-agent-ship--unit = Ship only these units (repeat for several)
help-rma-agent-confirm--delivered_on = The day the customer received it, YYYY-MM-DD
help-rma-agent-confirm--satisfaction = 1 (very unhappy) to 5 (very satisfied)
help-rma-agent-confirm--not_working = The unit does not work as expected at the customer's
help-rma-agent-confirm--feedback = What the customer said
help-rma-agent-cost--kind = What the cost is for: repair, shipping, packaging or parts
help-rma-agent-cost--amount = The amount, e.g. 120 or 120.50
help-rma-agent-cost--currency = Three-letter currency code (default: the `currency` setting)
help-rma-agent-cost--liability = Why the unit failed (regulation 6.1)
help-rma-agent-cost--payer = Who pays, if not the one the liability implies
help-rma-agent-cost--unit = The unit the cost is for
help-rma-agent-archive--keeper = Who keeps the archive file
help-rma-agent-archive--years = Years to keep it (default: the `archive_retention_years` setting)
help-rma-agent-hold--reason = Why work pauses
help-rma-agent-cancel--reason = Why the ticket is cancelled
help-rma-agent-resolve--event = The id of the conflicting event, as shown by `rma-agent show`
help-rma-agent-resolve--note = What was decided
help-rma-agent-show--what = A ticket number, or a unit number to show its ticket
help-rma-agent-list--status = Only tickets in this status: registered, assessed, received, in_repair, inspected, shipped, confirmed, closed, archived, on_hold, cancelled
help-rma-agent-list--model = Only tickets of this model
help-rma-agent-list--area = Only tickets with a unit in this storage area
help-rma-agent-list--overdue = Only tickets past one of the regulation's deadlines
help-rma-agent-list--limit = Show at most this many (0: all)
help-rma-agent-demo--dir = Where to create the demo site (default: a new folder in the temporary directory). It must not hold a site already
help-rma-agent-serve--listen = The address commands reach it at (port 0: any free port; commands find it in agent.json)
help-rma-agent-enroll--server = The server's address, e.g. http://rma.example.local:8080
help-rma-agent-enroll--token = This site's token
help-rma-agent-enroll--ca_cert = The company's certificate authority (a PEM file), when the server's https certificate is signed by it rather than by a public authority. It is kept with the server's address
help-rma-agent-backup--to = The file to write (replaced whole once the copy is complete)
help-rma-agent-restore--from = The backup file
help-rma-agent-scan--codes = Codes to read (default: one per line from standard input, until it ends)
help-rma-agent-scan--area = Start with this storage area: the units scanned go there
help-arguments = Arguments
help-opt-ticket = The ticket number, e.g. WH1-2026-00042
help-opt-unit = The unit number, e.g. WH1-2026-00042-1
help-opt-what = A ticket number or unit numbers
help-opt-code = The code
help-opt-all = Every one
help-opt-note = A note

## Each command's examples

help-rma-agent-archive-examples =
    Example:
      rma-agent archive WH1-2026-00001 --keeper "Wang Fang"
      rma-agent archive WH1-2019-00007 --keeper "Wang Fang" --until 2025-06-30   # a file archived late
help-rma-agent-area-add-examples =
    Example:
      rma-agent area add SHELF-A1 --name "Returns shelf A, level 1"
help-rma-agent-assess-examples =
    Examples:
      rma-agent assess WH1-2026-00001 --severity simple --handling "replace fuse" --fault-type "power supply"
      rma-agent assess WH1-2026-00002 --severity complex --technical Zhao --production Qian \
        --plan "replace main board, re-flash firmware 2.4"
help-rma-agent-assign-examples =
    Examples:
      rma-agent assign WH1-2026-00001 --repairer Bob
      rma-agent assign WH1-2026-00001-2 --repairer Carol
help-rma-agent-backup-examples =
    Examples:
      rma-agent backup --to /mnt/usb/wh1-2026-11-30.rma-backup
      rma-agent restore --from /mnt/usb/wh1-2026-11-30.rma-backup --data /new/folder
help-rma-agent-cancel-examples =
    Example:
      rma-agent cancel WH1-2026-00001 --reason "customer withdrew the return"
help-rma-agent-close-examples =
    Example:
      rma-agent close WH1-2026-00001 --note "told customer about faster courier option"
help-rma-agent-config-examples =
    Example settings.toml:
      currency = "CNY"
      archive_retention_years = 10
      {"["}deadlines]
      forward_hours = 24
      assessment_hours = 48
      confirmation_working_days = 3
help-rma-agent-confirm-examples =
    Example:
      rma-agent confirm WH1-2026-00001 --delivered-on 2026-12-03 --satisfaction 4 \
        --feedback "works, but delivery was slow"
help-rma-agent-cost-examples =
    Examples:
      rma-agent cost WH1-2026-00001 --kind repair --amount 120.50 --liability quality-defect
      rma-agent cost WH1-2026-00001 --kind shipping --amount 25 --currency EUR --liability misuse
      rma-agent cost WH1-2026-00001 --kind parts --amount 80 --liability quality-defect --payer supplier
help-rma-agent-demo-examples =
    Examples:
      rma-agent demo
      rma-agent demo --dir ./demo-site
help-rma-agent-edit-examples =
    Example:
      rma-agent edit WH1-2026-00001 --contact "Li Wei, 139 1111 2222"
help-rma-agent-enroll-examples =
    Examples:
      rma-agent enroll --server http://10.0.0.5:8080 --token 3f9a...
      rma-agent enroll --server https://rma.example.com --token 3f9a... --ca-cert company-ca.pem
help-rma-agent-forward-examples =
    Example:
      rma-agent forward WH1-2026-00001 --note "urgent customer"
help-rma-agent-history-examples =
    Example:
      rma-agent history WH1-2026-00001
help-rma-agent-hold-examples =
    Example:
      rma-agent hold WH1-2026-00001 --reason "waiting for customer's approval of the quote"
help-rma-agent-init-examples =
    Examples:
      rma-agent init --site WH1
      rma-agent init --site WH1 --server http://10.0.0.5:8080 --token 3f9a...
help-rma-agent-inspect-examples =
    Examples:
      rma-agent inspect WH1-2026-00001-1 --pass
      rma-agent inspect WH1-2026-00001-2 --fail --note "still resets under load"
help-rma-agent-intake-examples =
    Example:
      rma-agent intake --customer "Acme Ltd" --contact "Li Wei, 138 0000 0000" \
        --model X200 --quantity 2 --fault "no power after storm" --request repair
help-rma-agent-label-examples =
    Examples:
      rma-agent label area SHELF-A1 -o shelf-a1.svg
      rma-agent label area --all --format zpl -o areas.zpl
      rma-agent label ticket WH1-2026-00042 --format png --dpi 300 -o unit.png
      rma-agent label ticket WH1-2026-00042 --format pdf --sheet 3x8 --start 5 -o sheet.pdf
      rma-agent label package WH1-2026-00042 --format pdf -o package.pdf
      rma-agent label ticket WH1-2026-00042 --print tcp://192.168.1.50:9100 --format zpl
      rma-agent label unit WH1-2026-00042-1 --print        (the printer in settings.toml [labels])
help-rma-agent-list-examples =
    Examples:
      rma-agent list
      rma-agent list --status in_repair
      rma-agent list --area SHELF-A1
      rma-agent list --overdue
help-rma-agent-move-examples =
    Example:
      rma-agent move WH1-2026-00001-2 --to SHELF-B3
help-rma-agent-pack-examples =
    Examples:
      rma-agent pack WH1-2026-00001
      rma-agent pack WH1-2026-00001-1 WH1-2026-00001-2
help-rma-agent-parts-request-examples =
    Example:
      rma-agent parts-request WH1-2026-00001-2 --part MAINBOARD-X200:1 --note "urgent"
help-rma-agent-receive-examples =
    Examples:
      rma-agent receive WH1-2026-00001 --area SHELF-A1
      rma-agent receive WH1-2026-00001 --area SHELF-A1 --print-labels   (the printer in settings.toml [labels])
      rma-agent receive WH1-2026-00001 --print-labels tcp://192.168.1.50:9100
      rma-agent receive WH1-2026-00001 --area SHELF-A1 --quantity 1 --appearance "cracked case" \
        --discrepancy "only 1 of 2 units in the box"
help-rma-agent-repair-examples =
    Examples:
      rma-agent repair WH1-2026-00001-1 --steps "replaced fuse, tested 2 h" --part FUSE-5A:1 --minutes 40
      rma-agent repair WH1-2026-00001-2 --steps "opened, board burnt" --minutes 15 --unfinished \
        --findings "needs a new main board"
help-rma-agent-resolve-examples =
    Example:
      rma-agent resolve WH1-2026-00001 --event 3f9a0c1d2e4b5a69 --note "re-inspected: passes"
help-rma-agent-restore-examples =
    Example:
      rma-agent --data /new/folder restore --from /mnt/usb/wh1-2026-11-30.rma-backup
help-rma-agent-resume-examples =
    Example:
      rma-agent resume WH1-2026-00001
help-rma-agent-scan-examples =
    Examples:
      rma-agent scan                      # then scan: A:SHELF-A1, U:WH1-2026-00042-1, ...
      rma-agent scan A:SHELF-A1 U:WH1-2026-00042-1 U:WH1-2026-00042-2
      rma-agent scan T:WH1-2026-00042
help-rma-agent-serve-examples =
    Examples:
      rma-agent serve                          # bench page at http://127.0.0.1:8090
      rma-agent serve --web 0.0.0.0:8090       # phones on the warehouse network reach it too
      rma-agent serve --listen 127.0.0.1:7450 --no-web
help-rma-agent-ship-examples =
    Example:
      rma-agent ship WH1-2026-00001 --carrier "SF Express" --tracking SF1234567890
help-rma-agent-ship-notice-examples =
    Example:
      rma-agent ship-notice WH1-2026-00001 --method "SF Express" --date 2026-12-01
help-rma-agent-show-examples =
    Examples:
      rma-agent show WH1-2026-00001
      rma-agent show WH1-2026-00001-2 --json
help-rma-agent-status-examples =
    Example:
      rma-agent status
help-rma-agent-sync-examples =
    Examples:
      rma-agent sync
      rma-agent sync --json
help-rma-server-site-add--code = The site's code: 2 to 10 letters or digits, e.g. WH1
help-rma-server-site-revoke--code = The site's code, e.g. WH1
help-rma-server-user-add--name = The name the person logs in with
help-rma-server-user-add--role = Their department (REGULATION.md section 1), or head / admin
help-rma-server-user-remove--name = The person's login name
help-rma-server-backup--to = The file to write (replaced whole once the copy is complete)
help-rma-server-restore--from = The backup file
help-rma-server-migrate--from_sled = The data folder of the sled store to move
help-rma-server-report-grant--role = The database role
help-rma-server-report-export--to = The folder to write into (made if missing)

## Pre-printed labels

id-reserved = “{ $text }” is not a pre-printed label's code: expected SITE-NUMBER, e.g. WH1-000042
bad-label-count = { $labels ->
    [one] { $labels } pre-printed label was
   *[other] { $labels } pre-printed labels were
} scanned for { $units ->
    [one] { $units } unit
   *[other] { $units } units
}: scan one for each unit, in order
bad-foreign-label = the label { $code } was reserved by another site; use this site's ({ $site }) pre-printed labels
bad-label-twice = the label { $code } was scanned for two units; each unit gets its own
label-not-attached = The pre-printed label { $code } is on no unit the server knows yet: it is attached at receiving, and shows here once that site syncs.
store-not-reserved = the label { $what } was never reserved at this site: print pre-printed labels with `rma-agent label blank --count N`
store-label-used = the label { $code } is already on unit { $unit }; take a new one
label-not-here = the pre-printed label { $code } is not on any unit here: attach it at receiving (`rma-agent receive TICKET --label { $code }`)
scan-area = Storage area { $area }: scan the units to put there.
label-blank-caption = attach at receiving
receive-not-pre-printed = { $code } is not a pre-printed label (those read L:SITE-NUMBER)
help-rma-agent-label-blank = Unit labels printed in advance, with codes this site reserves now: scan one onto each unit at receiving.
help-rma-agent-label-blank--count = How many
help-rma-agent-receive--labels = Pre-printed labels scanned onto the units instead, in the units' order (L:WH1-000001; repeat, or separate with commas)
out-unit-label = pre-printed label { $code }

## Labels and printers

labels-too-long = the code { $code } does not fit in a QR code
labels-too-small = a { $width } x { $height } mm label is too small for this code at { $dpi } dpi: choose a larger size or a higher resolution
labels-no-font = no installed font can draw “{ $text }”: install a font with Chinese (Debian: apt-get install fonts-noto-cjk, or the smaller fonts-wqy-microhei) or set RMA_LABEL_FONT to a font file
labels-bad-font = the font file { $path } cannot be used: { $message }
labels-bad-sheet = “{ $text }” is not a sheet layout: give COLUMNSxROWS, e.g. 3x8 (up to 10 x 20)
labels-bad-start = a sheet of { $cells } labels has no label number { $number } to start at: give --start 0 to { $last }
labels-cell-too-small = a { $label } mm label does not fit the { $cell } mm cells of a { $grid } A4 sheet: choose a sheet with fewer, larger labels
labels-encode = the label image cannot be written: { $reason }
print-bad = “{ $text }” is not a printer: give a CUPS queue name or tcp://HOST:9100
print-unreachable = the printer at { $address } cannot be reached
print-no-lp = `lp` cannot be run (is CUPS installed? Debian: apt-get install cups-client)
print-needs-queue = a network printer's raw port takes ZPL or TSPL: add --format zpl or --format tspl, or print PDF and PNG through a CUPS queue
print-refused = the print queue “{ $queue }” refused the job: { $message }
serve-unreadable = the running `rma-agent serve` sent an unreadable answer: { $reason }
serve-refused = the running `rma-agent serve` refused the command ({ $status }): { $reason }
serve-no-answer = the running `rma-agent serve` did not answer: { $reason }
tls-read = cannot read the TLS file { $path }: { $reason }
tls-no-certificate = { $path } holds no certificate: it should be PEM text starting with -----BEGIN CERTIFICATE-----
tls-no-key = { $path } holds no private key: it should be PEM text starting with -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE KEY)
tls-mismatch = the certificate { $cert } and the key { $key } cannot be used together: { $reason }
tls-half = give both --tls-cert and --tls-key (or both `cert` and `key` under [tls])

## Command-line arguments

arg-not-ticket-or-unit = “{ $text }” is neither a ticket number (WH1-2026-00042) nor a unit number (WH1-2026-00042-3)
arg-not-a-part = “{ $text }” is not a part: write PART or PART:QUANTITY, e.g. FUSE-5A:2
arg-empty = this cannot be empty
arg-not-a-date = “{ $text }” is not a date: write it as YYYY-MM-DD, e.g. 2026-12-01
arg-not-a-phone = “{ $text }” is not a mobile number: 6 to 15 digits, e.g. +86 139 1111 2222
arg-not-an-email = “{ $text }” is not an e-mail address: write it as name@example.com
arg-not-a-size = “{ $text }” is not a label size: give WIDTHxHEIGHT in millimetres, e.g. 50x25
arg-not-an-amount = “{ $text }” is not an amount: write it like 120 or 120.50
arg-out-of-range = { $value } is out of range: give a number from { $low } to { $high }
step-unknown = there is no step “{ $step }”
step-bad-fields = the { $step } form does not fit its step: { $problem }
arg-invalid = { $arg } { $value }: { $why }
money-currency = “{ $text }” is not a currency code: use three letters, e.g. CNY, EUR, USD
money-amount = “{ $text }” is not an amount in { $currency }: write it like 120 or 120.50 (at most { $digits } decimals)
archive-retention-out-of-range = the retention date is past what the calendar holds: give fewer years or --until

## Accounts
people-bad-name = { $name } is not a user name: use 1 to 40 letters, digits, '.', '_' or '-'
people-short-password = A password needs at least 8 characters.
people-exists = User { $name } already exists; remove it first to set a new password.
people-unknown = There is no user { $name }.
password-prompt = Password for { $name } (8 characters or more): 
password-unreadable = Cannot read the password: { $reason }
password-none = No password given: type it, or pipe it in (`echo 'secret pass' | { $program } user add { $name } --role ROLE`).
store-no-account = { $what } has no account at this site: sign in with your own name (`--user NAME`), or ask the office to add you (`rma-server user add`)
store-not-your-duty = “{ $action }” is not a duty of { $role } ({ $name }): it belongs to another department (regulation section 1)
user-from-directory = This agent takes its accounts from the server's directory at every sync: add or remove people there (`rma-server user add NAME --role ROLE`).
user-no-password = No password was given for the new account.
user-none = No accounts yet: anyone may take any step. Add people with `rma-agent user add NAME --role ROLE`, or enrol with a server that has them.
done-user-added = Added { $name } ({ $role }).
done-user-removed = Removed { $name }; their sessions have ended.
help-rma-agent-user = The people who sign in at this site's bench page (from the server's directory once enrolled).
help-rma-agent-user-add = Add a person (no server only). The password (8 characters or more) is read from standard input: typed, or piped.
help-rma-agent-user-remove = Remove a person (no server only); their sessions end at once.
help-rma-agent-user-list = List the people and their roles.
help-rma-agent-user-add--name = The name the person signs in with
help-rma-agent-user-add--role = Their department (REGULATION.md section 1), or head
help-rma-agent-user-remove--name = The person's sign-in name

## The bench page (rma-agent serve)
action = { $action ->
    [intake] Register a return
    [edit] Correct the registration
    [forward] Pass on to after-sales
    [assess] First assessment
    [receive] Receive the units
    [move] Move to a storage area
    [assign] Assign to a repairer
    [repair] Record a repair
    [parts-request] Request parts
    [inspect] Inspect
    [ship-notice] Agree shipping
    [pack] Pack
    [ship] Ship
    [confirm] Confirm delivery
    [cost] Add a cost
    [close] Close
    [archive] Archive
    [hold] Put on hold
    [resume] Resume
    [cancel] Cancel the ticket
    [resolve] Settle a conflict
    [scan] Scan
    [attach] Add photos or documents
    [note-clock] Note a clock ahead
    [note-survey] Record the customer's survey answer
    [hand-over] Hand over to another site
    [note-scope] Note a step from outside the scope
   *[label] Print labels
}
bench-title = Repair bench
bench-home = Home
bench-sign-in = Sign in
bench-no-accounts = Nobody has an account here yet. Accounts come from the server with sync (`rma-server user add`), or, with no server, `rma-agent user add NAME --role ROLE`.
bench-scan = Scan or type a code
bench-scan-hint = A:SHELF-A1, U:WH1-2026-00001-1, …
bench-scan-go = Go
bench-scan-area = Units scanned now go to { $area }.
bench-area-set = Storage area { $area }: scan the units to put there.
bench-move-here = Move { $unit } to { $area }
bench-sync-alone = No server: working alone
bench-sync-online = Online
bench-sync-offline = Offline: working here, will sync later
bench-sync-starting = Not synced yet
bench-sync-waiting = { $count ->
    [one] 1 change waiting
   *[other] { $count } changes waiting
}
bench-sync-last = Last sync:
bench-sync-conflicts = { $count ->
    [one] 1 ticket with a conflict
   *[other] { $count } tickets with conflicts
}
bench-sync-now = Sync now
bench-sync-started = Syncing now; the line above shows how it went when you open the next page.
bench-new-ticket = Register a return
bench-register = Register
bench-registered = Registered as { $ticket }.
bench-my-work = My work
bench-no-work = Nothing waits for { $role } now.
bench-overdue = overdue
bench-conflicts = Conflicts to settle
bench-areas = Storage areas
bench-no-areas = No storage areas yet: add one with `rma-agent area add CODE`.
bench-not-found = Not found
bench-no-target = The form did not say which ticket or unit it is for.
bench-customer = Customer
bench-model = Model
bench-fault = Fault
bench-request = Customer asks for
bench-units = Units
bench-steps = Next steps
bench-no-steps = No step on this ticket is for { $role } now.
bench-records = Records
bench-print = Labels
bench-print-units-pdf = Unit labels (PDF)
bench-print-package-pdf = Package label (PDF)
bench-print-units = Print unit labels
bench-print-package = Print the package label
bench-f-note = Note
bench-f-severity = Severity
bench-f-handling = How it is handled
bench-f-fault-type = Fault type
bench-f-technical = Technical (joint assessment)
bench-f-production = Production (joint assessment)
bench-f-plan = Repair plan (needed for a complex fault)
bench-f-quantity = Quantity
bench-f-appearance = Appearance
bench-f-discrepancy = What does not match the registration
bench-f-area = Storage area
bench-f-labels = Pre-printed labels scanned onto the units (L:WH1-000001, …), in order
bench-f-print-labels = Print the units' labels
bench-f-repairer = Repairer
bench-f-steps = What was done
bench-f-parts = Parts replaced
bench-f-part = Part
bench-f-qty = Quantity
bench-f-minutes = Minutes spent
bench-f-findings = New problems found
bench-f-unfinished = Not finished yet (no inspection yet)
bench-f-verdict = Verdict
bench-f-method = Shipping method
bench-f-date = Ship date
bench-f-carrier = Carrier
bench-f-tracking = Tracking number
bench-f-delivered = Delivered on
bench-f-satisfaction = Satisfaction (5 = very satisfied)
bench-f-not-working = The unit does not work
bench-f-feedback = Customer feedback
bench-f-cost-kind = Cost
bench-f-amount = Amount
bench-f-keeper = Keeper
bench-f-years = Years to keep (default: the setting)
bench-f-reason = Reason
bench-f-contact = Contact
bench-f-customer-lang = The customer reads
bench-f-phone = Mobile (for text messages)
bench-f-email = E-mail (for notices)
bench-f-edit-hint = Fill in only what changes.
bench-f-resolution = How it was settled
serve-web = Bench page: { $url } (sign in with an account of this site).
serve-web-open = The bench page is open to the network: anyone who can reach this PC sees the sign-in page.
serve-web-busy = Cannot serve the bench page on { $address }: another program uses it. Choose another with --web ADDR or [web] listen.
serve-web-default-busy = The bench page was not started: { $address } is in use (another agent on this PC?). Choose an address with --web ADDR.
help-rma-agent-serve--web = The bench page's address (default: settings.toml [web] listen, else 127.0.0.1:8090). An address other than 127.0.0.1 opens the page to the network
help-rma-agent-serve--no_web = Do not serve the bench page
help-rma-agent-user-add-examples =
    Examples:
      rma-agent user add li.wei --role after_sales
      echo 'bench pass 1' | rma-agent user add bob --role production
bench-f-package-label = The package label shows the model, quantity, customer and ship date:

## The audit log (rma-server /audit)
nav-audit = Audit log
audit-forbidden = The audit log is for the head and the administrator.
audit-export-forbidden = Only the administrator exports the audit log.
audit-who = Who
audit-what = What
audit-any = anything
audit-subject = About
audit-from = From
audit-more = Only the latest { $count } entries are shown: narrow the filters, or export them all.
audit-kind = { $kind ->
    [sign_in] signed in
    [sign_in_refused] sign-in refused
    [sign_in_limited] sign-in limited
    [sign_out] signed out
    [refused] refused
    [download] download
    [archive_read] archive read
    [user_added] person added
    [user_removed] person removed
    [site_added] site enrolled
    [site_revoked] site revoked
    [site_holds] site set to hold
    [application_filed] access application filed
    [application_approved] access application approved
    [application_refused] access application refused
    [disposal_proposed] disposal proposed
    [disposed] disposed of
    [report_granted] report access granted
   *[backup] backup
}

## Finance's audit of the cost ledger (regulation 6.2)
refusal-unknown_cost = there is no cost line { $event } in this ticket
event-cost-audited = cost line { $verdict } by finance
event-survey-answered = the customer answered the survey: { $rating } of 5
event-survey-answered-comment = the customer answered the survey: { $rating } of 5, “{ $comment }”
event-cost-audited-note = cost line { $verdict } by finance: { $note }
audit-verdict = { $verdict ->
    [audited] audited
   *[queried] queried
}
costs-audit = Audit
costs-audit-state = Audited
costs-not-audited = not yet
costs-mark-audited = Audited
costs-mark-queried = Query
costs-query-note = What is in question
costs-show-audit = Audit
costs-audit-any = all lines
costs-audit-none = not audited yet
costs-audit-done = audited
costs-audit-queried = queried
costs-audit-recorded = { $verdict } the cost line of { $ticket }; agents receive the mark with their next sync.
costs-audit-refused = The mark was not recorded: { $reason }
costs-audit-forbidden = Only finance (and the head) audit the cost ledger.
bench-sync-waiting-many = more than { $count } changes waiting
bench-area-many = more than { $count } tickets
show-archived-at-server = { $ticket }: in the archive at the central office. Its file is kept there, not at this site (regulation 8); reading it needs an approved access application.
server-department-not-head = --department is for a head (the department they lead); this person's role is { $role }

## The archive at the office (regulation 8)
nav-archive = Archive
archive-explain = Archived tickets by their index: number, model, dates, keeper and retention. A ticket's file is read on its page with an approved access application, in place (regulation 8.3).
archive-model = Model
archive-customer = Customer
archive-unit = Unit or ticket number
archive-registered-from = Registered from
archive-registered-to = Registered to
archive-closed-from = Closed from
archive-closed-to = Closed to
archive-registered = Registered
archive-closed = Closed
archive-keeper = Keeper
archive-retain-until = Kept until
archive-find = Find
archive-found = { $count ->
    [one] 1 archived ticket found.
   *[other] { $count } archived tickets found.
}
archive-more = Only the first { $count } are listed: narrow the search.
archive-bad-date = “{ $text }” is not a date: write it as 2026-12-31
archive-bad-period = the period needs a first and a last day, written as 2026-12-31
archive-past-retention = past its retention
archive-disposed-on = disposed of { $at }, approved by { $by }
archive-applications = Access applications
archive-disposal = Disposal
archive-apply = Apply to read
archive-apply-tickets = Tickets (numbers, separated by spaces)
archive-apply-search = or every ticket this search finds
archive-apply-reason = Reason
archive-apply-from = From
archive-apply-until = Until
archive-apply-send = Send the application
archive-applied = Application #{ $id } was sent to the head of your department.
archive-applicant = Applicant
archive-scope = Tickets
archive-period = Period
archive-to-decide = Applications waiting for you
archive-none-to-decide = No application waits for you.
archive-mine = My applications
archive-none-mine = You have not applied to read the archive.
archive-waiting = waiting for the head
archive-approved-by = approved by { $by }
archive-refused-by = refused by { $by } { $note }
archive-expired = ended (approved by { $by })
archive-decision-note = note (optional)
archive-approve = Approve
archive-refuse = Refuse
archive-bad-decision = “{ $text }” is not a step this form takes
archive-approved-notice = Application #{ $id } approved.
archive-refused-notice = Application #{ $id } refused.
archive-disposal-explain = Tickets kept past their retention date. After-sales puts one forward; the head approves, and its contents are removed from the server. Its card stays, marked disposed, and the audit log keeps both steps (regulation 8.2).
archive-disposal-forbidden = Disposal is for after-sales (who keeps the archive), the head and the administrator.
archive-proposed-by = put forward by { $by }, { $at }
archive-propose = Put forward for disposal
archive-approve-disposal = Approve the disposal
archive-none-due = No ticket is past its retention.
archive-proposed-notice = The disposal of { $number } was put forward; the head approves it.
archive-disposed-notice = { $number } was disposed of: its contents are removed, its card stays.
archive-needs-grant = { $number } is in the archive. Reading it needs an access application approved by the head of your department (regulation 8.3): apply at the Archive page. This attempt is in the audit log.
archive-watermark = { $name } · { $at }
archive-reading = Read in place under application #{ $id } (until { $until }) by { $name } at { $at }. Do not copy, print or photograph it (regulation 8.3).
ticket-disposed = { $number } was disposed of at the end of its retention ({ $at }, approved by { $by }); only its card is kept.
archive-not-archived = there is no ticket { $number } in the archive
archive-unknown-application = application #{ $id } does not exist
archive-decided = application #{ $id } was decided already
archive-not-their-head = { $name } is not the head of the applicant's department, and may not decide this application (a person never decides their own)
archive-retained = { $number } is kept until { $until }; it cannot be disposed of before
archive-disposed-already = { $number } was disposed of already
archive-not-proposed = nobody has put the disposal of { $number } forward yet
archive-incomplete = an application names the tickets (or ticks “every ticket this search finds”), a reason, and a period whose last day is not before its first

help-rma-agent-archive--until = The last day it is kept, instead of counting years from today (a file archived late counts from its closing; a day already past lists it for disposal at once)
help-rma-agent-serve--idle_minutes = Stop after this many minutes without a command (how a serve that a command started in the background ends; see keep_serving_minutes in settings.toml)
help-rma-server-user-add--department = For a head: the department they lead; they decide its people's applications to read the archive. A head without one decides for everyone

## The customer's status page (regulation 4.1, 4.3)
status-page-title = Your return { $number }
status-page-model = { $model } · { $quantity ->
    [one] 1 unit
   *[other] { $quantity } units
}
status-page-now = { $status ->
    [registered] We have registered your return.
    [assessed] We have looked at your request: please send the units as agreed.
    [received] Your units have arrived at our service centre.
    [in_repair] Your units are being repaired.
    [inspected] Your units are repaired and have passed inspection; they go back to you soon.
    [shipped] Your units are on their way back to you.
    [confirmed] Your units were delivered.
    [on_hold] Your return is waiting (for parts or information); we go on as soon as we can.
    [cancelled] This return was cancelled.
   *[closed] Your units were delivered and this return is closed.
}
status-page-received = Received on { $date }
status-page-shipping-agreed = Shipping agreed: { $date }, by { $method }
status-page-shipped = Shipped on { $date } with { $carrier }, tracking number { $tracking }
status-page-delivered = Delivered on { $date }
status-page-note = This page shows how your return stands as our service centre records it. It never shows prices or anyone's personal details. Questions: please contact the service centre.
status-page-unknown-title = Link not valid
status-page-unknown = This link is not valid, or no longer. Please ask our service centre for the current one.
status-page-limited = Too many attempts from this address. Please try again in a few minutes.
ticket-status-link = Customer's status link
ticket-status-link-opened = { $count ->
    [0] not opened yet
    [one] opened once
   *[other] opened { $count } times
}
ticket-status-link-replace = Give the customer a new link (the old one stops working)
ticket-status-link-forbidden = Sales, after-sales and the head give customers new status links.
status-survey-title = How satisfied are you with this repair?
status-survey-rating = Your rating (1 = not at all, 5 = very)
status-survey-comment = Anything you would like to tell us (optional)
status-survey-send = Send
status-survey-thanks = Thank you: we have your answer.
status-survey-answered = You have answered our survey for this return. Thank you.
status-survey-bad = Please choose a rating from 1 to 5.
notice-setup-smtp = server.toml [mail] smtp = “{ $url }” cannot be used: { $reason }. Write smtp://HOST:PORT, smtp://HOST:PORT?tls=required (STARTTLS) or smtps://HOST:PORT.
notice-setup-from = server.toml [mail] from = “{ $from }” is not an e-mail address; write e.g. "Service <service@example.com>".
notice-setup-sms = server.toml [sms] url = “{ $url }” is not an http:// or https:// address.
notice-subject-shipping-agreed = Your return { $number }: shipping agreed
notice-shipping-agreed = We will send your return { $number } back on { $date } by { $method }.
notice-subject-shipped = Your return { $number } is on its way
notice-shipped = Your return { $number } was handed to { $carrier }, tracking number { $tracking }.
notice-subject-closed = Your return { $number }: how did we do?
notice-closed = Your return { $number } is complete. Please tell us how satisfied you are; it takes a minute.
notice-follow-link = Follow your return: { $link }
notice-survey-link = Answer here: { $link }
notice-footer = This message was sent automatically about your return. It never holds prices or anyone's personal details. Questions: please contact our service centre.
nav-outbox = Outbox
outbox-title = Notices to customers
outbox-explain = The server tells customers by e-mail and SMS when shipping is agreed, when their units are shipped (with the tracking number) and when the return is closed (the survey). Each step gives one notice per address; a notice that fails is tried again later.
outbox-none = No notices.
outbox-show = Show
outbox-any = any state
outbox-col-made = Made
outbox-col-ticket = Ticket
outbox-col-channel = By
outbox-col-to = To
outbox-col-about = About
outbox-col-state = State
outbox-col-attempts = Attempts
outbox-channel = { $channel ->
    [email] e-mail
   *[sms] SMS
}
outbox-about = { $about ->
    [shipping_agreed] shipping agreed
    [shipped] shipped
   *[closed] closed (survey)
}
outbox-state-name = { $state ->
    [waiting] waiting
    [sending] being sent
    [sent] sent
    [failed] failed
   *[not_set_up] not set up
}
outbox-state = { $state ->
    [waiting] waiting, next try { $at }
    [sending] being sent by { $by } since { $at }
    [sent] sent { $at }
    [failed] not sent: given up { $at }
   *[not_set_up] not sent: this channel is not set up on the server ([mail] / [sms] in server.toml)
}
outbox-error = last error: { $error }
outbox-text = What it says
ticket-notices = Notices to the customer

## Photos and documents
evidence = { $step ->
    [receiving] receiving check
    [repair] repair
    [inspection] inspection
    [packing] packing
   *[other] other
}
file-bad-hash = "{ $text }" is not a file's SHA-256 (64 hexadecimal digits).
file-not-allowed = { $name } was not kept: only photos (JPEG, PNG, WebP) and PDF documents can be added.
file-too-large = { $name } was not kept: it is { $size } MB, and a file may be at most { $limit } MB.
file-ticket-full = Not kept: the files of ticket { $ticket } would be more than { $limit } MB together.
file-empty = { $name } was not kept: it is empty.
file-bad-image = { $name } was not kept: the picture cannot be read ({ $reason }).

blob-io = The file { $path } could not be written or read: { $problem }
blob-mismatch = The bytes received are not the file they were sent as (expected { $expected }, got { $got }); they were dropped and will be sent again.
blob-gap = A piece of a file did not follow what was kept ({ $held } bytes held, the piece starts at { $given }).
blob-missing = The file { $hash } is not here.

attach-no-files = Give at least one file (a photo or a PDF).
attach-no-such-file = Ticket { $ticket } has no file { $hash }.
attach-not-here = This file is kept at the office and is not here yet. It is fetched when this PC can reach the server; try again once it is online.
attach-unreadable = The file { $path } cannot be read

help-rma-agent-attach = Keep photos or documents with a ticket or unit (offline; sent after the tickets).
help-rma-agent-file = Get one of a ticket's photos or documents (fetched from the office if not here).
help-rma-agent-attach--what = The ticket or unit the files show
help-rma-agent-attach--step = Which part of the work they are evidence of: receiving, repair, inspection, packing or other
help-rma-agent-attach--caption = A few words on what they show
help-rma-agent-attach--files = The files: photos (JPEG, PNG, WebP) or PDF documents
help-rma-agent-file--ticket = The ticket the file belongs to
help-rma-agent-file--sha256 = The file's SHA-256 as `show` lists it (its first characters are enough)
help-rma-agent-file--out = Copy it here
file-here = The file is at { $path }
file-fetched = Fetched from the office and kept here: { $path }
help-rma-agent-attach-examples =
    Examples:
      rma-agent attach WH1-2026-00001 box.jpg label.jpg --step receiving --caption "box dented"
      rma-agent attach WH1-2026-00001-1 board.jpg --step repair --caption "burnt capacitor C12"
help-rma-agent-file-examples =
    Examples:
      rma-agent show WH1-2026-00001 --json      # lists each file's sha256
      rma-agent file WH1-2026-00001 SHA256 --out board.jpg
status-files = Files
status-files-line = { $send } to send ({ $mb } MB), { $fetch } thumbnails to fetch: they follow the tickets when the network allows
ticket-files = Photos and documents
ticket-file-missing = missing: not at the office (its site has not sent it yet)
ticket-file-open = open the photo
ticket-file-none = The ticket has no such file here.
bench-f-photos = Photos or PDF documents
bench-bad-form = The form could not be read: { $reason }
bench-files = Photos and documents
bench-file-at-office = (at the office: opened from there when online)
bench-add-files = Add photos or documents to { $what }
bench-f-evidence = Evidence of
bench-f-caption = What it shows
bench-attach = Add
bench-sync-files = Files: { $send } to send, { $fetch } to fetch
out-files = Photos and documents (rma-agent file TICKET SHA256 opens one; show --json lists the whole SHA-256)
file-which = { $count ->
    [0] Ticket { $ticket } has no file whose SHA-256 starts with "{ $start }" (give at least 6 characters, as `rma-agent show { $ticket }` lists them).
   *[other] { $count } files of ticket { $ticket } start with "{ $start }": give more characters.
}

## Scopes: which sites hold a ticket, hand-over between sites
location-transit = on its way to { $site }
event-handed-over = handed over to { $to }{ $count ->
    [0] {""}
   *[other] {" "}with { $units }
}{ $leave ->
    [yes] {" "}(this site lets the ticket go)
   *[no] {""}
}
event-handed-over-carrier = , with { $carrier }, tracking { $tracking }
event-outside-scope = the office noted step { $event }: it was recorded at a site that did not hold the ticket
done-handed-over = Handed { $ticket } over to { $to }{ $count ->
    [0] {""}
    [one] {" "}with 1 unit
   *[other] {" "}with { $count } units
}: { $to } receives it at its next sync{ $leave ->
    [yes] {" "}and this site lets it go once its changes are sent.
   *[no] , and both sites see every later step.
}
refusal-hand_over_to_self = a ticket is handed over to another site, not to the one that holds it
refusal-cannot_hand_over = unit { $unit } { $phrase }: it cannot be handed over now (packed, shipped or already on its way)
refusal-in_transit = unit { $unit } is on its way to { $site }: { $site } takes it in with its receiving check first
refusal-outside_scope = it was recorded at { $site }, which did not hold the ticket then (the ticket had been handed over elsewhere); settle it with the site that holds it
server-site-holds = { $code } holds { $holds ->
    [all] every site's tickets.
   *[own] its own tickets: those registered there and those handed over to it.
}
server-site-holds-next = The site receives what it now holds at its next sync, and lets go of the other tickets once their changes are sent.
sites-holds = Holds
sites-holds-what = { $holds ->
    [all] all
   *[own] own work
}
bench-f-hand-over-to = To site (its code, e.g. RC1)
bench-f-hand-over-leave = This site lets the ticket go (it moves there entirely)

help-rma-agent-hand-over = Send a ticket (and units) to another site, e.g. the repair centre, or back.
help-rma-agent-hand-over--to = The site that takes the ticket (its code, e.g. RC1)
help-rma-agent-hand-over--units = The units sent along (separate with commas); none: only the ticket's records go
help-rma-agent-hand-over--carrier = Who carries the units
help-rma-agent-hand-over--tracking = The carrier's tracking number
help-rma-agent-hand-over--note = A note for the other site
help-rma-agent-hand-over--leave = This site lets the ticket go: it moves to the other site entirely
help-rma-agent-hand-over-examples =
    Examples:
      rma-agent hand-over WH1-2026-00001 --to RC1 --units WH1-2026-00001-1,WH1-2026-00001-2 \
        --carrier "SF Express" --tracking SF1234567890 --note "board fault, needs the repair centre"
      rma-agent hand-over WH1-2026-00001 --to WH2 --leave
help-rma-server-site-holds = Change which tickets a site holds. At its next sync it receives the tickets it now holds and lets go of the others once their changes are sent.
help-rma-server-site-holds--code = The site's code, e.g. RC1
help-rma-server-site-holds--holds = own: the tickets registered there and those handed over to it; all: every site's
help-rma-server-site-add--holds = Which tickets the site holds: own (those registered there and those handed over to it) or all (every site's)
help-rma-server-site-add-examples =
    Examples:
      rma-server site add WH1                # a branch: holds its own tickets and those handed over to it
      rma-server site add RC1 --holds all    # a repair centre that works on every branch's returns
help-rma-server-site-holds-examples =
    Example:
      rma-server site holds RC1 all
      rma-server site holds RC1 own
show-elsewhere = { $ticket } is not held at this site{ $count ->
    [0] {""}: it is in the office's archive.
   *[other] {""}: it is held at { $sites }. Read-only, as the server tells it; ask there, or have it handed over to this site.
}
show-elsewhere-updated = Last change
step-held-elsewhere = { $ticket } is not held at this site: it is held at { $sites }. Steps on it are taken there, or have it handed over to this site (`rma-agent hand-over { $ticket } --to THIS-SITE` at { $sites }).
