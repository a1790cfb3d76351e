# Sourced by script/demo (and run by the demo_flow test): the story of one team's day, told
# through caseworkctl against running services. Expects CTL (the caseworkctl binary) and
# CASEWORK_{SESSION,RECORDS,NOTIFICATION}_ADDRESS. Every step that must succeed does (set -e),
# and every refusal shown is required to happen with its reason (--expect_error).

ORG=demo-org
TEAM="organizations/$ORG/teams/t1"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
token_for() {  # user roles
  "$CTL" token --user "$1" --org "$ORG" --role "$2" --team t1 --ttl 30m
}
# as <person> <caseworkctl args...>: one call with that person's own token.
as() {
  local who=$1
  shift
  CASEWORK_TOKEN="${TOKENS[$who]}" "$CTL" "$@"
}

# Polls until `as <who> session GetSession name=$1 --get <field>` prints something non-empty.
await_field() {  # session who field seconds
  local i value
  for i in $(seq $(($4 * 10))); do
    value=$(as "$2" session GetSession name="$1" --get "$3")
    if [ -n "$value" ]; then echo "$value"; return 0; fi
    sleep 0.1
  done
  echo "demo: $3 of $1 never appeared" >&2
  return 1
}

# Polls until the session's timeline holds an event of `kind`.
await_event() {  # session who kind seconds
  local i
  for i in $(seq $(($4 * 10))); do
    if as "$2" session ListSessionEvents parent="$1" kinds="$3" --get events | grep -q .; then
      return 0
    fi
    sleep 0.1
  done
  echo "demo: no $3 event in $1" >&2
  return 1
}

ack_all() {  # session person...
  local session=$1 p
  shift
  for p in "$@"; do
    as "$p" session JoinSession name="$session" request_id="join-$p-$session" >/dev/null
    as "$p" session AcknowledgeAgreements name="$session" request_id="ack-$p-$session" \
      agreements=CONFIDENTIALITY agreements=DIALOGUE agreements=INCLUSION >/dev/null
    echo "  $p joined and acknowledged the agreements"
  done
}

advance() {  # session facilitator phase-to-leave [override reason]
  local extra=()
  [ $# -ge 4 ] && extra=(override_exit_criteria=true override_reason="$4")
  as "$2" session AdvancePhase name="$1" expected_phase_id="$3" request_id="adv-$3-$1" \
    "${extra[@]}" --get session.current_phase.phase_id | sed 's/^/  now in phase: /'
}

demo_flow() {
  declare -gA TOKENS
  TOKENS[admin]=$(token_for admin-1 admin)
  TOKENS[sup]=$(token_for sup-1 supervisor)
  TOKENS[fac]=$(token_for fac-1 facilitator)
  TOKENS[owner]=$(token_for cw-1 caseworker)
  TOKENS[m1]=$(token_for cw-2 caseworker)
  TOKENS[m2]=$(token_for cw-3 caseworker)
  TOKENS[m3]=$(token_for mem-1 member)

  say "A team and a few pseudonymous cases (records service)"
  as admin records CreateTeam parent="organizations/$ORG" team_id=t1 request_id=team-t1 --data '{
    "team": {"display_name": "Family support east", "members": [
      {"subject": "sup-1", "roles": ["TEAM_ROLE_SUPERVISOR"]},
      {"subject": "fac-1", "roles": ["TEAM_ROLE_FACILITATOR"]},
      {"subject": "cw-1", "roles": ["TEAM_ROLE_CASEWORKER"]},
      {"subject": "cw-2", "roles": ["TEAM_ROLE_CASEWORKER"]},
      {"subject": "cw-3", "roles": ["TEAM_ROLE_CASEWORKER"]},
      {"subject": "mem-1", "roles": ["TEAM_ROLE_MEMBER"]}]}}' --get name
  local ref risk worker
  for spec in FAM-0412:HIGH:cw-1 FAM-0419:MEDIUM:cw-1 FAM-0533:LOW:cw-2 FAM-0601:HIGH:cw-3; do
    IFS=: read -r ref risk worker <<<"$spec"
    as sup records CreateCase parent="$TEAM" request_id="case-$ref" case.reference="$ref" \
      case.risk_level="$risk" case.caseworker="$worker" --get name | sed "s/^/  case $ref ($risk, $worker): /"
  done

  say "A Balint consultation: fac-1 facilitates, cw-1 brings a case"
  local s
  # Shortened first phase so the timebox warning shows within the demo.
  s=$(as fac session CreateSession parent="$TEAM" request_id=balint-1 \
    session.protocol_id=balint-consultation session.scheduled_start_time=now \
    session.timing_overrides.phases.phase_id=case_description \
    session.timing_overrides.phases.timebox=12s session.timing_overrides.time_warning_lead=9s \
    --get name)
  echo "  session: $s"
  # Only participants read a live session: the facilitator watches once they have joined.
  ack_all "$s" fac owner m1 m2 m3
  WATCH_LOG=$(mktemp)
  CASEWORK_TOKEN="${TOKENS[fac]}" "$CTL" watch "$s" >"$WATCH_LOG" 2>&1 &
  WATCH_PID=$!
  # The watcher's lines, indented, as they arrive (tail stops when the watcher has ended).
  tail -n +1 --pid="$WATCH_PID" -f "$WATCH_LOG" 2>/dev/null | sed -u 's/^/  watch │ /' &
  TAIL_PID=$!
  as fac session AssignRoles name="$s" request_id=roles-1 facilitator=fac-1 case_owner=cw-1 >/dev/null
  as fac session StartSession name="$s" request_id=start-1 --get session.current_phase.phase_id |
    sed 's/^/  started; phase: /'
  as owner session AddContribution name="$s" request_id=c1 contribution.kind=CASE_STATEMENT \
    contribution.text="A family stopped answering after their move" >/dev/null
  local question
  question=$(as owner session AddContribution name="$s" request_id=c2 contribution.kind=QUESTION \
    contribution.text="How can I rebuild contact?" --get contribution.name)
  echo "  the case owner's question: $question"
  echo "  waiting for the timebox warning of the (shortened) first phase..."
  await_event "$s" fac PHASE_TIME_WARNING 15
  echo "  the facilitator got the timebox warning"
  advance "$s" fac case_description

  echo "  a closed question is accepted but flagged:"
  as m1 session AddContribution name="$s" request_id=c3 contribution.kind=CLARIFYING_QUESTION \
    contribution.text="Is your manager supportive?" --get contribution.flags | sed 's/^/    flag: /'
  echo "  advice dressed as a question is refused in the questions phase:"
  as m2 session AddContribution name="$s" request_id=c4 contribution.kind=CLARIFYING_QUESTION \
    contribution.text="Have you tried a home visit?" --expect_error ADVICE_AS_QUESTION | sed 's/^/    /'
  local asked
  asked=$(as m2 session AddContribution name="$s" request_id=c5 \
    contribution.kind=CLARIFYING_QUESTION contribution.text="When did the silence begin?" \
    --get contribution.name)
  as owner session AddContribution name="$s" request_id=c6 contribution.kind=ANSWER \
    contribution.text="Right after the move" contribution.references="$asked" >/dev/null
  advance "$s" fac questions

  echo "  the case owner listens during the hypotheses:"
  as owner session AddContribution name="$s" request_id=c7 contribution.kind=COMMENT \
    contribution.text="That is not it" --expect_error ROLE_SILENT_IN_PHASE | sed 's/^/    /'
  local h1 h2
  h1=$(as m1 session AddContribution name="$s" request_id=c8 contribution.kind=HYPOTHESIS \
    contribution.text="They feel judged by services" --get contribution.name)
  h2=$(as m3 session AddContribution name="$s" request_id=c9 contribution.kind=HYPOTHESIS \
    contribution.text="Money worries after the move" --get contribution.name)
  advance "$s" fac hypotheses

  as owner session RespondToHypothesis name="$s" request_id=r1 hypothesis="$h1" response=AGREE >/dev/null
  as owner session RespondToHypothesis name="$s" request_id=r2 hypothesis="$h2" response=DISAGREE >/dev/null
  echo "  the case owner agreed with one hypothesis and not the other"
  echo "  the hypotheses, a page of one at a time (ListContributions); the second page:"
  local page
  page=$(as m2 session ListContributions parent="$s" kinds=HYPOTHESIS page_size=1 --get next_page_token)
  as m2 session ListContributions parent="$s" kinds=HYPOTHESIS page_size=1 page_token="$page" \
    --get contributions | grep '^text:' | sed 's/^/    /'
  advance "$s" fac feedback

  as m1 session AddContribution name="$s" request_id=c10 contribution.kind=IDEA \
    contribution.text="A home visit together with a colleague" contribution.references="$question" >/dev/null
  as m2 session AddContribution name="$s" request_id=c11 contribution.kind=IDEA \
    contribution.text="A short letter with a fixed appointment" contribution.references="$question" >/dev/null
  echo "  two ideas tied to the case owner's question"
  advance "$s" fac ideas

  as owner session AddContribution name="$s" request_id=c12 contribution.kind=COMMENT \
    contribution.text="The joint visit is new to me; I will try it" >/dev/null
  echo "  the supervisor is not in the group: the live session answers as if it did not exist"
  as sup session GetSession name="$s" --expect_error RESOURCE_NOT_FOUND | sed 's/^/    /'
  local who
  for who in fac owner m1 m2 m3; do
    as "$who" session CastReleaseVote name="$s" request_id="vote-$who" choice=AGREE >/dev/null
  done
  echo "  everyone agreed that the record may go to the team's supervisor (release ballot)"
  as fac session EndSession name="$s" request_id=end-1 --get session.state | sed 's/^/  session /'
  local record
  record=$(await_field "$s" fac session_record 20)
  wait "$WATCH_PID"  # the stream ends by itself (OK) once the record is stored
  wait "$TAIL_PID"
  WATCH_PID="" TAIL_PID=""
  say "The session record, as the team's supervisor reads it"
  as sup records GetSessionRecord name="$record"

  say "A case-management team meeting led by the supervisor"
  local meeting
  meeting=$(as sup session CreateSession parent="$TEAM" request_id=meeting-1 \
    session.protocol_id=case-management-meeting session.scheduled_start_time=now --get name)
  ack_all "$meeting" sup owner m1 m2
  as sup session AssignRoles name="$meeting" request_id=mroles facilitator=sup-1 >/dev/null
  as sup session StartSession name="$meeting" request_id=mstart >/dev/null
  as sup session AddContribution name="$meeting" request_id=m-c1 contribution.kind=NOTE \
    contribution.text="Agenda agreed; information-sharing agreement reviewed" >/dev/null
  advance "$meeting" sup opening "agenda done"
  echo "  the anonymous case-load review attached to the administrative section:"
  as owner session GetSession name="$meeting" --get case_load_review | sed 's/^/    /'
  for p in owner m1 m2; do
    as "$p" session AddContribution name="$meeting" request_id="checkin-$p" \
      contribution.kind=CHECK_IN contribution.check_in.success="A family re-engaged" \
      contribution.check_in.challenge="Paperwork backlog" >/dev/null
    echo "  $p checked in with one success and one challenge"
  done
  advance "$meeting" sup administrative "check-ins done"
  advance "$meeting" sup development "no learning topic today"
  advance "$meeting" sup supportive "goals reviewed"
  as sup session AddContribution name="$meeting" request_id=m-sum contribution.kind=SUMMARY \
    contribution.text="Two families re-engaged; backlog shared out" >/dev/null
  as sup session AddContribution name="$meeting" request_id=m-a1 contribution.kind=ACTION_ITEM \
    contribution.text="Share the training dates" contribution.action_item.owner=sup-1 \
    contribution.action_item.owner_role=SUPERVISOR contribution.action_item.due_time=now+72h >/dev/null
  as sup session AddContribution name="$meeting" request_id=m-a2 contribution.kind=ACTION_ITEM \
    contribution.text="Update the plan of FAM-0412" contribution.action_item.owner=cw-1 \
    contribution.action_item.owner_role=CASEWORKER contribution.action_item.due_time=now+168h >/dev/null
  echo "  action items for the supervisor and for cw-1"
  as sup session EndSession name="$meeting" request_id=mend --get session.state | sed 's/^/  meeting /'
  record=$(await_field "$meeting" sup session_record 20)
  say "The meeting record"
  as sup records GetSessionRecord name="$record"
  say "The team's case-load review (the supervisor's view)"
  as sup records GetCaseLoadReview name="$TEAM/caseLoadReview"
  rm -f "$WATCH_LOG"
  say "Done: every step behaved as shown."
}
