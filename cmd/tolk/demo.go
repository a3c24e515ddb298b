package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
	"github.com/tolk/tolk/matching"
)

// demoOrganisation holds every demo user.
const demoOrganisation = "demo"

// seeder is the application the demo seeds through: the service's own
// rules, with a clock the demo sets (to book and close interviews in the
// past) and the demo's fixed IDs kept, so a second start finds what the
// first seeded.
type seeder struct {
	app   *app.App
	clock time.Time
	// seeded counts the interpreters this start recorded.
	seeded int
}

func newSeeder(store data.Store, policy matching.Policy, baseURL string, now time.Time) *seeder {
	s := &seeder{clock: now}
	s.app = app.New(app.Config{Store: store, Policy: &policy, KeepIDs: true, BaseURL: baseURL, Now: func() time.Time { return s.clock }})
	return s
}

// seedDemo ensures one fictional user of each role in organisation demo,
// gives each a fresh key (printed once, since only hashes are stored), and
// seeds the fictional interpreters and the demo case that are not there
// yet. Everything goes through the application as its users would do it
// (the service itself creates the users, the demo coordinator records and
// vets the interpreters, the demo social worker books), so the demo holds
// nothing the rules would refuse.
func seedDemo(ctx context.Context, store data.Store, policy matching.Policy, baseURL string, now time.Time, out io.Writer) error {
	sd := newSeeder(store, policy, baseURL, now)
	admin := app.System(demoOrganisation, data.RoleAdmin)
	users := []struct {
		id, name string
		role     data.Role
	}{
		{"demo-admin", "Ada Admin (fictional)", data.RoleAdmin},
		{"demo-coordinator", "Cora Coordinator (fictional)", data.RoleCoordinator},
		{"demo-social-worker", "Sam Social-Worker (fictional)", data.RoleSocialWorker},
		{"demo-interpreter", "", data.RoleInterpreter},
	}
	keys := make([]string, len(users))
	actors := map[data.Role]data.User{}
	// The register and the case were there before the demo case's
	// history (demo_cases.go), which begins 40 days ago.
	sd.clock = now.Add(-demoHistory)
	for i, du := range users {
		if du.role == data.RoleInterpreter {
			// Interpreters' users are linked to their records: after the
			// register is seeded.
			var err error
			if _, err = sd.interpreters(ctx, actors[data.RoleCoordinator], now); err != nil {
				return err
			}
		}
		key, err := sd.app.IssueKey(ctx, admin, du.id)
		if errors.Is(err, data.ErrNotFound) {
			nu := app.NewUser{ID: du.id, Name: du.name, Email: strings.TrimPrefix(du.id, "demo-") + "@demo.tolk.invalid", Role: du.role}
			if du.role == data.RoleInterpreter {
				nu = app.NewUser{ID: du.id, Role: du.role, InterpreterID: demoAvan} // the record's name and email
			}
			_, key, err = sd.app.CreateUser(ctx, admin, nu)
		}
		if err != nil {
			return fmt.Errorf("user %s: %w", du.id, err)
		}
		keys[i] = key
		if actors[du.role], err = store.User(ctx, du.id); err != nil {
			return fmt.Errorf("user %s: %w", du.id, err)
		}
	}
	seeded := sd.seeded
	if err := sd.cases(ctx, actors[data.RoleSocialWorker], now, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "tolk demo: fictional users in organisation %q, %d new fictional interpreters.\n", demoOrganisation, seeded)
	fmt.Fprintln(out, "API keys (new at every start; shown only here):")
	for i, du := range users {
		fmt.Fprintf(out, "  %-14s %s\n", du.role, keys[i])
	}
	fmt.Fprintf(out, "Open %s/ in a browser and sign in with the social_worker key to book an\n", baseURL)
	fmt.Fprintf(out, "interpreter for case DEMO-2026-001 (or the coordinator key to vet interpreters). In\n")
	fmt.Fprintf(out, "another browser window, sign in with the interpreter key: Avan Rashid (fictional) has an\n")
	fmt.Fprintf(out, "invitation to answer, and declared hours to keep.\n")
	fmt.Fprintf(out, "Listening on %s. Or try the API:\n", baseURL)
	fmt.Fprintf(out, "  export TOLK=%s CK=%s SK=%s AK=%s IK=%s\n", baseURL, keys[1], keys[2], keys[0], keys[3])
	fmt.Fprintf(out, "  curl -s -H \"Authorization: Bearer $CK\" $TOLK/v1/me\n")
	fmt.Fprintf(out, "  curl -s -H \"Authorization: Bearer $SK\" \"$TOLK/v1/interpreters?language=ar\"\n")
	fmt.Fprintf(out, "  curl -s -H \"Authorization: Bearer $IK\" $TOLK/v1/me/invitations\n")
	return nil
}

// interpreters records the demo interpreters that are not there yet, as
// the coordinator would, and takes each one's vetting decisions; it
// returns how many it recorded.
func (sd *seeder) interpreters(ctx context.Context, coordinator data.User, now time.Time) (int, error) {
	seeded := 0
	defer func() { sd.seeded += seeded }()
	for i, in := range demoInterpreters(now) {
		_, err := sd.app.CreateInterpreter(ctx, coordinator, in)
		if errors.Is(err, data.ErrDuplicate) {
			continue
		}
		if err != nil {
			return seeded, fmt.Errorf("interpreter %s: %w", in.ID, err)
		}
		seeded++
		var decisions []data.Decision
		switch demoSpecs[i].status {
		case data.VettingApproved:
			decisions = []data.Decision{data.DecisionApprove}
		case data.VettingSuspended:
			decisions = []data.Decision{data.DecisionApprove, data.DecisionSuspend}
		case data.VettingRejected:
			decisions = []data.Decision{data.DecisionReject}
		}
		var rec app.Interpreter
		for _, d := range decisions {
			if rec, err = sd.app.DecideVetting(ctx, coordinator, in.ID, d, "Demo record, decided when the demo was seeded"); err != nil {
				return seeded, fmt.Errorf("vetting %s: %w", in.ID, err)
			}
		}
		if hours, ok := demoHours(now)[in.ID]; ok {
			if _, err := sd.app.UpdateAvailability(ctx, coordinator, in.ID, rec.Version, hours); err != nil {
				return seeded, fmt.Errorf("hours of %s: %w", in.ID, err)
			}
		}
	}
	return seeded, nil
}

// demoHours are the hours and time off a few demo interpreters declared:
// Avan Rashid (the demo interpreter) works every day, 08:00-20:00 UK time;
// Shirin Ahmadi on weekdays, 09:00-17:00; Linh Nguyen is away for a week
// from three days after the demo starts.
func demoHours(now time.Time) map[string]data.Availability {
	every := func(from, to data.ClockTime, days ...time.Weekday) []data.WeeklyHours {
		var out []data.WeeklyHours
		for _, d := range days {
			out = append(out, data.WeeklyHours{Day: d, From: from, To: to})
		}
		return out
	}
	away := data.DateOf(now).AddDays(3)
	start, _ := time.ParseInLocation(time.DateOnly, away.String(), data.London)
	return map[string]data.Availability{
		demoAvan: {TimeZone: "Europe/London", Weekly: every(8*60, 20*60, time.Monday, time.Tuesday, time.Wednesday,
			time.Thursday, time.Friday, time.Saturday, time.Sunday)},
		"demo-int-13": {TimeZone: "Europe/London", Weekly: every(9*60, 17*60, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)},
		"demo-int-17": {TimeZone: "Europe/London", Unavailable: []data.Period{{Start: start, End: start.AddDate(0, 0, 7)}}},
	}
}

// demoSpec is one fictional interpreter, with dates as offsets in days from
// the day the demo starts, so lapsed and valid items stay that way.
type demoSpec struct {
	name      string
	gender    data.Gender
	langs     string // "tag:proficiency tag:proficiency"
	status    data.VettingStatus
	clearance int // clearance valid for this many more days; 0: no clearance
	training  string
	quals     string
	links     string // "kind=value;kind=value"
	regions   string
	exp       [3]int // child interviews, trafficking cases, years
}

// demoSpecs: fictional people. Training is "kind:expiresInDays" (0: no expiry).
var demoSpecs = []demoSpec{
	{"Selam Tesfay", data.GenderFemale, "ti:native en:fluent", data.VettingApproved, 700, "child_protection_l3:500 trafficking_modern_slavery:0 trauma_informed:0 abe_interviewing:400", "dpsi_law nrpsi_full:300", "country=ER", "GB-LND GB-BIR", [3]int{60, 25, 11}},
	{"Yonas Haile", data.GenderMale, "ti:native am:fluent", data.VettingApproved, 20, "child_protection_l2:300 trafficking_modern_slavery:0", "dpsi", "country=ER;town=Keren", "GB-LND", [3]int{12, 4, 5}},
	{"Mehret Gebre", data.GenderFemale, "ti:native ar:professional", data.VettingApproved, -10, "child_protection_l2:200 abe_interviewing:0", "dpsi", "country=ET", "GB-MAN", [3]int{30, 9, 8}},
	{"Amira Osman", data.GenderFemale, "apd:native ar:fluent en:fluent", data.VettingApproved, 900, "child_protection_l2:600 trafficking_modern_slavery:0 trauma_informed:0", "dpsi_law nrpsi_full:500", "country=SD", "GB-LND GB-KEN", [3]int{45, 18, 10}},
	{"Khalid Ibrahim", data.GenderMale, "apd:native", data.VettingApproved, 400, "child_protection_l1:25", "", "country=SD;organisation=Nile Community Association", "GB-BIR", [3]int{5, 1, 3}},
	{"Nour Haddad", data.GenderFemale, "apc:native ar:native", data.VettingApproved, 365, "child_protection_l2:90 trafficking_modern_slavery:0", "nrpsi_interim:15", "country=SY", "GB-LDS", [3]int{20, 6, 6}},
	{"Omar Farouk", data.GenderMale, "arz:native ar:fluent", data.VettingPending, 500, "child_protection_l2:500", "ciol", "", "GB-LND", [3]int{2, 0, 2}},
	{"Layla Hassan", data.GenderFemale, "ar:native fr:fluent", data.VettingApproved, 820, "child_protection_l3:700 abe_interviewing:0 trauma_informed:0", "dpsi_law", "country=MA", "GB-LND", [3]int{70, 22, 14}},
	{"Arta Krasniqi", data.GenderFemale, "sq:native aln:native", data.VettingApproved, 600, "child_protection_l2:400 trafficking_modern_slavery:0 abe_interviewing:0", "dpsi nrpsi_full:700", "country=XK", "GB-LND GB-ESS", [3]int{38, 30, 9}},
	{"Besnik Hoxha", data.GenderMale, "sq:native", data.VettingApproved, 250, "child_protection_l2:-5 trafficking_modern_slavery:0", "dpsi", "country=AL;town=Kukës", "GB-LND", [3]int{14, 11, 7}},
	{"Elira Shehu", data.GenderFemale, "aln:native sq:fluent", data.VettingSuspended, 300, "child_protection_l2:300", "", "country=XK;case=OP-KESTREL-2024", "GB-MAN", [3]int{8, 6, 4}},
	{"Dritan Leka", data.GenderMale, "sq:native it:fluent", data.VettingRejected, 0, "", "", "country=AL", "GB-LND", [3]int{0, 0, 1}},
	{"Shirin Ahmadi", data.GenderFemale, "ckb:native ar:professional", data.VettingApproved, 540, "child_protection_l2:350 trafficking_modern_slavery:0 trauma_informed:0", "dpsi_law", "region=IQ-SU", "GB-LND GB-BST", [3]int{33, 12, 9}},
	{"Karwan Aziz", data.GenderMale, "ckb:native", data.VettingApproved, 28, "child_protection_l1:100", "nrpsi_full:20", "country=IQ", "GB-NET", [3]int{10, 2, 6}},
	{"Rojda Demir", data.GenderFemale, "kmr:native tr:fluent", data.VettingApproved, 480, "child_protection_l2:480 abe_interviewing:0", "dpsi", "country=TR", "GB-LND", [3]int{25, 7, 8}},
	{"Zana Baran", data.GenderNonbinary, "kmr:native ckb:professional", data.VettingPending, 0, "child_protection_l1:200", "", "", "GB-GLG", [3]int{1, 0, 1}},
	{"Linh Nguyen", data.GenderFemale, "vi:native en:fluent", data.VettingApproved, 730, "child_protection_l3:600 trafficking_modern_slavery:0 trauma_informed:0 abe_interviewing:0", "dpsi_law nrpsi_full:400", "country=VN", "GB-LND GB-BIR", [3]int{80, 40, 13}},
	{"Minh Tran", data.GenderMale, "vi:native", data.VettingApproved, 150, "child_protection_l2:150 trafficking_modern_slavery:0", "dpsi", "country=VN;town=Nghệ An", "GB-MAN", [3]int{15, 20, 6}},
	{"Thu Pham", data.GenderFemale, "vi:native", data.VettingApproved, -40, "child_protection_l2:-40", "", "country=VN", "GB-LND", [3]int{9, 5, 4}},
	{"Hoa Le", data.GenderUndisclosed, "vi:fluent en:native", data.VettingApproved, 420, "child_protection_l2:12 trafficking_modern_slavery:0", "nrpsi_interim:200", "", "GB-BST", [3]int{6, 3, 3}},
	{"Zarghuna Wardak", data.GenderFemale, "ps:native prs:fluent", data.VettingApproved, 610, "child_protection_l2:610 trafficking_modern_slavery:0 abe_interviewing:0", "dpsi_law", "country=AF", "GB-LND", [3]int{40, 10, 10}},
	{"Ahmad Zadran", data.GenderMale, "ps:native", data.VettingApproved, 380, "child_protection_l2:380 trafficking_modern_slavery:0", "dpsi", "country=AF;region=AF-KHO", "GB-BIR GB-SHF", [3]int{22, 8, 7}},
	{"Gul Momand", data.GenderMale, "pbu:native ur:fluent", data.VettingPending, 200, "", "", "country=PK", "GB-BRD", [3]int{0, 0, 2}},
	{"Fereshta Rahimi", data.GenderFemale, "prs:native fa:native", data.VettingApproved, 690, "child_protection_l3:690 trauma_informed:0 trafficking_modern_slavery:0", "dpsi_law nrpsi_full:250", "country=AF", "GB-LND GB-KEN", [3]int{55, 15, 12}},
	{"Javid Karimi", data.GenderMale, "prs:native", data.VettingApproved, 5, "child_protection_l2:5", "", "country=AF;place_of_worship=Al-Noor Mosque, Hounslow", "GB-LND", [3]int{7, 2, 4}},
	{"Ioana Popescu", data.GenderFemale, "ro:native en:fluent", data.VettingApproved, 560, "child_protection_l2:560 trafficking_modern_slavery:0 abe_interviewing:0", "dpsi nrpsi_full:560", "country=RO", "GB-LND GB-ESS", [3]int{28, 19, 8}},
	{"Andrei Ionescu", data.GenderMale, "ro:native", data.VettingApproved, 330, "child_protection_l1:330", "", "country=RO;family=Ionescu family, Craiova", "GB-LND", [3]int{4, 9, 5}},
	{"Florin Dumitru", data.GenderMale, "ro:native hu:fluent", data.VettingRejected, 100, "", "", "case=OP-MARLIN-2023", "GB-LND", [3]int{0, 3, 2}},
	{"Hamid Yousef", data.GenderMale, "ar:native ckb:fluent", data.VettingApproved, 45, "child_protection_l2:45 trafficking_modern_slavery:0", "dpsi_law", "country=IQ", "GB-LND", [3]int{18, 6, 9}},
	{"Saba Tekle", data.GenderFemale, "ti:native", data.VettingApproved, 1000, "child_protection_l2:800 trafficking_modern_slavery:0 trauma_informed:0", "nrpsi_full:30", "", "GB-LND GB-SHF", [3]int{26, 14, 6}},
	// Sorani speakers for the demo case (see demo_cases.go): each shows a rule.
	{"Avan Rashid", data.GenderFemale, "ckb:native en:fluent", data.VettingApproved, 800, "child_protection_l3:700 abe_interviewing:0 trauma_informed:0 trafficking_modern_slavery:0", "dpsi nrpsi_full:600", "", "GB-LND GB-MAN", [3]int{42, 16, 9}},
	{"Hero Karim", data.GenderFemale, "ckb:native", data.VettingApproved, 650, "child_protection_l2:500 abe_interviewing:0", "dpsi_law", "town=Ranya", "GB-LND", [3]int{30, 8, 7}},
	{"Dilan Mustafa", data.GenderFemale, "ckb:native ar:fluent", data.VettingApproved, 700, "child_protection_l2:600 abe_interviewing:0 trafficking_modern_slavery:0", "nrpsi_full:500", "country=IQ", "GB-LND", [3]int{25, 10, 6}},
	{"Nazdar Ali", data.GenderFemale, "ckb:native", data.VettingApproved, 600, "child_protection_l2:600 abe_interviewing:0", "dpsi", "", "GB-BIR GB-LND", [3]int{12, 3, 4}},
	{"Shilan Hassan", data.GenderFemale, "ckb:native", data.VettingApproved, 600, "child_protection_l2:600 abe_interviewing:0", "dpsi", "", "GB-LND", [3]int{20, 5, 5}},
}

// demoInterpreters builds the demo records as of now, as a coordinator
// would enter them (vetting is decided after).
func demoInterpreters(now time.Time) []data.Interpreter {
	today := data.DateOf(now)
	day := func(offset int) data.Date { return today.AddDays(offset) }
	var out []data.Interpreter
	for i, sp := range demoSpecs {
		in := data.Interpreter{
			ID:    fmt.Sprintf("demo-int-%02d", i+1),
			Name:  sp.name + " (fictional)",
			Email: strings.ToLower(strings.ReplaceAll(sp.name, " ", ".")) + "@demo.tolk.invalid",
			Phone: fmt.Sprintf("+44 7700 900%03d", i+1), Gender: sp.gender,
			Modalities: []data.Modality{data.ModalityInPerson, data.ModalityVideo},
			Regions:    strings.Fields(sp.regions),
			Agreements: data.Agreements{ConfidentialitySigned: day(-400 + i)},
			Experience: data.Experience{ChildInterviews: sp.exp[0], TraffickingCases: sp.exp[1], Years: sp.exp[2]},
		}
		if i%4 == 3 {
			in.Modalities = append(in.Modalities, data.ModalityPhone)
		}
		for _, l := range strings.Fields(sp.langs) {
			tag, prof, _ := strings.Cut(l, ":")
			in.Languages = append(in.Languages, data.LanguageSkill{Tag: tag, Proficiency: data.Proficiency(prof)})
		}
		if sp.clearance != 0 {
			level := data.ClearanceEnhancedBarredChildren
			if i%5 == 4 {
				level = data.ClearanceEnhanced
			}
			in.Clearance = data.Clearance{
				Level: level, Certificate: fmt.Sprintf("0019%08d", 4417+i*7919),
				Issued: day(sp.clearance - 1095), ValidUntil: day(sp.clearance), UpdateService: i%2 == 0,
			}
		}
		for _, t := range strings.Fields(sp.training) {
			kind, exp, _ := strings.Cut(t, ":")
			tr := data.Training{Kind: data.TrainingKind(kind), Completed: day(-300 - 10*i)}
			if exp != "0" {
				tr.Expires = day(atoi(exp))
			}
			in.Training = append(in.Training, tr)
		}
		for _, q := range strings.Fields(sp.quals) {
			kind, exp, _ := strings.Cut(q, ":")
			qu := data.Qualification{Kind: data.QualificationKind(kind), Reference: fmt.Sprintf("REF-%04d", 1000+i), Awarded: day(-2000 + 30*i)}
			if exp != "" {
				qu.Expires = day(atoi(exp))
			}
			in.Qualifications = append(in.Qualifications, qu)
		}
		for _, l := range strings.Split(sp.links, ";") {
			if kind, value, ok := strings.Cut(l, "="); ok {
				in.CommunityLinks = append(in.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(kind), Value: value})
			}
		}
		out = append(out, in)
	}
	return out
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}
