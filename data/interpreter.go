package data

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Interpreter is a vetted (or to-be-vetted) interpreter record, kept by
// coordinators. Phone, Clearance.Certificate, CommunityLinks and Vetting.Note
// are sensitive: only coordinators see them, and each read is audited.
type Interpreter struct {
	ID             string
	Name           string
	Email          string
	Phone          string
	Gender         Gender
	Languages      []LanguageSkill
	Modalities     []Modality
	Regions        []string // ISO 3166-2 codes where they work in person
	Qualifications []Qualification
	Training       []Training
	Clearance      Clearance // zero Level means no clearance on record
	Agreements     Agreements
	CommunityLinks []CommunityLink
	Experience     Experience
	Vetting        Vetting
	// Availability is when the interpreter says they can work. It changes
	// through its own requests (by the interpreter or a coordinator), not
	// with the rest of the record, and is visible to coordinators and the
	// interpreter only; matching reads it (off_duty).
	Availability Availability
	// LegalHold stops retention acting on the record and on what is held
	// about the interpreter elsewhere: their bookings, the offers that
	// invited them, messages about them (set by a coordinator, see
	// app.SetInterpreterHold).
	LegalHold bool
	// Anonymised is when retention anonymised the record (see
	// Interpreter.Anonymise); zero until then.
	Anonymised time.Time
	Version    int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Left is when the interpreter left the register (their vetting's
// decision to leave), zero while they have not.
func (in Interpreter) Left() time.Time {
	if in.Vetting.Status != VettingLeft {
		return time.Time{}
	}
	return in.Vetting.DecidedAt
}

// Gender is an interpreter's gender as they declared it.
type Gender string

// The genders.
const (
	GenderFemale      Gender = "female"
	GenderMale        Gender = "male"
	GenderNonbinary   Gender = "nonbinary"
	GenderUndisclosed Gender = "undisclosed"
)

// Genders lists every Gender.
var Genders = []Gender{GenderFemale, GenderMale, GenderNonbinary, GenderUndisclosed}

// LanguageSkill is one language an interpreter works in. Tag is canonical BCP 47.
type LanguageSkill struct {
	Tag         string
	Proficiency Proficiency
}

// Proficiency is how well an interpreter speaks a language.
type Proficiency string

// The proficiencies, strongest first.
const (
	ProficiencyNative       Proficiency = "native"
	ProficiencyFluent       Proficiency = "fluent"
	ProficiencyProfessional Proficiency = "professional"
)

// Proficiencies lists every Proficiency.
var Proficiencies = []Proficiency{ProficiencyNative, ProficiencyFluent, ProficiencyProfessional}

// Modality is how an interview is interpreted.
type Modality string

// The modalities.
const (
	ModalityInPerson Modality = "in_person"
	ModalityVideo    Modality = "video"
	ModalityPhone    Modality = "phone"
)

// Modalities lists every Modality.
var Modalities = []Modality{ModalityInPerson, ModalityVideo, ModalityPhone}

// Qualification is an interpreting qualification or register entry.
type Qualification struct {
	Kind      QualificationKind
	Reference string
	Awarded   Date
	Expires   Date // zero: does not expire
}

// QualificationKind names a qualification.
type QualificationKind string

// The qualification kinds.
const (
	QualificationDPSI         QualificationKind = "dpsi"
	QualificationDPSILaw      QualificationKind = "dpsi_law"
	QualificationNRPSIFull    QualificationKind = "nrpsi_full"
	QualificationNRPSIInterim QualificationKind = "nrpsi_interim"
	QualificationCIOL         QualificationKind = "ciol"
	QualificationOther        QualificationKind = "other"
)

// QualificationKinds lists every QualificationKind.
var QualificationKinds = qualificationKinds[:]

// qualificationKinds is QualificationKinds as an array, which sizes
// Profile.Qualifications.
var qualificationKinds = [...]QualificationKind{QualificationDPSI, QualificationDPSILaw, QualificationNRPSIFull, QualificationNRPSIInterim, QualificationCIOL, QualificationOther}

// Training is a completed training course.
type Training struct {
	Kind      TrainingKind
	Completed Date
	Expires   Date // zero: does not expire
}

// TrainingKind names a training course.
type TrainingKind string

// The training kinds.
const (
	TrainingChildProtectionL1 TrainingKind = "child_protection_l1"
	TrainingChildProtectionL2 TrainingKind = "child_protection_l2"
	TrainingChildProtectionL3 TrainingKind = "child_protection_l3"
	TrainingTrafficking       TrainingKind = "trafficking_modern_slavery"
	TrainingTraumaInformed    TrainingKind = "trauma_informed"
	TrainingABEInterviewing   TrainingKind = "abe_interviewing"
)

// TrainingKinds lists every TrainingKind.
var TrainingKinds = trainingKinds[:]

// trainingKinds is TrainingKinds as an array, which sizes
// Profile.Training.
var trainingKinds = [...]TrainingKind{TrainingChildProtectionL1, TrainingChildProtectionL2, TrainingChildProtectionL3, TrainingTrafficking, TrainingTraumaInformed, TrainingABEInterviewing}

// Clearance is a criminal-records check. Certificate is sensitive.
type Clearance struct {
	Level         ClearanceLevel
	Certificate   string
	Issued        Date
	ValidUntil    Date
	UpdateService bool
}

// ClearanceLevel is the level of a criminal-records check.
type ClearanceLevel string

// The clearance levels, weakest first.
const (
	ClearanceBasic                  ClearanceLevel = "basic"
	ClearanceStandard               ClearanceLevel = "standard"
	ClearanceEnhanced               ClearanceLevel = "enhanced"
	ClearanceEnhancedBarredChildren ClearanceLevel = "enhanced_barred_children"
)

// ClearanceLevels lists every ClearanceLevel, weakest first.
var ClearanceLevels = []ClearanceLevel{ClearanceBasic, ClearanceStandard, ClearanceEnhanced, ClearanceEnhancedBarredChildren}

// Agreements records what the interpreter has signed.
type Agreements struct {
	ConfidentialitySigned Date
}

// CommunityLink is a declared tie to a place, group or case. Sensitive.
type CommunityLink struct {
	Kind  CommunityLinkKind
	Value string
}

// CommunityLinkKind names the kind of a community link.
type CommunityLinkKind string

// The community link kinds.
const (
	LinkCountry        CommunityLinkKind = "country"
	LinkRegion         CommunityLinkKind = "region"
	LinkTown           CommunityLinkKind = "town"
	LinkFamily         CommunityLinkKind = "family"
	LinkPlaceOfWorship CommunityLinkKind = "place_of_worship"
	LinkOrganisation   CommunityLinkKind = "organisation"
	LinkCase           CommunityLinkKind = "case"
)

// CommunityLinkKinds lists every CommunityLinkKind.
var CommunityLinkKinds = []CommunityLinkKind{LinkCountry, LinkRegion, LinkTown, LinkFamily, LinkPlaceOfWorship, LinkOrganisation, LinkCase}

// Experience counts an interpreter's relevant work.
type Experience struct {
	ChildInterviews  int
	TraffickingCases int
	Years            int
}

// Normalize puts an interpreter into canonical form before validation:
// language tags canonical, ISO codes upper-cased, email lower-cased, text trimmed.
// Values that cannot be canonicalised are left for Validate to report.
func (in *Interpreter) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	in.Email = NormalizeEmail(in.Email)
	in.Phone = strings.TrimSpace(in.Phone)
	for i := range in.Languages {
		if c, err := CanonicalLanguage(in.Languages[i].Tag); err == nil {
			in.Languages[i].Tag = c
		}
	}
	for i, r := range in.Regions {
		in.Regions[i] = strings.ToUpper(strings.TrimSpace(r))
	}
	normalizeLinks(in.CommunityLinks)
	in.Clearance.Certificate = strings.TrimSpace(in.Clearance.Certificate)
}

// Limits on an interpreter record's lists and counts. It lists each
// Modality at most once, so at most len(Modalities) of them.
const (
	// MaxLanguages bounds the languages an interpreter lists.
	MaxLanguages = 20
	// MaxRegions bounds the regions an interpreter works in.
	MaxRegions = 100
	// MaxQualifications bounds an interpreter's qualifications.
	MaxQualifications = 50
	// MaxTrainings bounds an interpreter's training records.
	MaxTrainings = 50
	// MaxLinks bounds an interpreter's community links.
	MaxLinks = 100
	// MaxExperienceCount bounds each count of Experience (interviews
	// with children, trafficking cases).
	MaxExperienceCount = 100000
	// MaxExperienceYears bounds Experience.Years.
	MaxExperienceYears = 80
)

// Validate checks every invariant of an interpreter record and returns a
// *ValidationError naming each field that breaks one. Call Normalize first.
// Text is checked for length and control characters before it is parsed.
func (in Interpreter) Validate() error {
	var p problems
	if in.Name == "" {
		p.add("name", "is required")
	} else {
		p.text("name", in.Name, MaxNameLength, oneLine)
	}
	if p.text("email", in.Email, MaxEmailLength, oneLine) {
		if msg := emailProblem(in.Email); msg != "" {
			p.add("email", msg)
		}
	}
	p.text("phone", in.Phone, MaxPhoneLength, oneLine)
	if !oneOf(in.Gender, Genders) {
		p.add("gender", "must be one of "+list(Genders))
	}
	if len(in.Languages) == 0 {
		p.add("languages", "must list at least one language")
	}
	seenLang := map[string]bool{}
	for i, l := range within(&p, "languages", in.Languages, MaxLanguages, "languages") {
		f := fmt.Sprintf("languages[%d]", i)
		if c, err := CanonicalLanguage(l.Tag); err != nil {
			p.add(f+".tag", err.Error())
		} else if seenLang[c] {
			p.add(f+".tag", fmt.Sprintf("%s is listed twice", c))
		} else {
			seenLang[c] = true
		}
		if !oneOf(l.Proficiency, Proficiencies) {
			p.add(f+".proficiency", "must be one of "+list(Proficiencies))
		}
	}
	seenMod := map[Modality]bool{}
	for i, m := range within(&p, "modalities", in.Modalities, len(Modalities), "modalities") {
		switch {
		case !oneOf(m, Modalities):
			p.add(fmt.Sprintf("modalities[%d]", i), "must be one of "+list(Modalities))
		case seenMod[m]:
			p.add(fmt.Sprintf("modalities[%d]", i), string(m)+" is listed twice")
		}
		seenMod[m] = true
	}
	for i, r := range within(&p, "regions", in.Regions, MaxRegions, "regions") {
		f := fmt.Sprintf("regions[%d]", i)
		if p.text(f, r, MaxCodeLength, oneLine) && !IsSubdivisionCode(r) {
			p.add(f, fmt.Sprintf("%q is not an ISO 3166-2 subdivision code", r))
		}
	}
	for i, q := range within(&p, "qualifications", in.Qualifications, MaxQualifications, "qualifications") {
		f := fmt.Sprintf("qualifications[%d]", i)
		if !oneOf(q.Kind, QualificationKinds) {
			p.add(f+".kind", "must be one of "+list(QualificationKinds))
		}
		if !q.Expires.IsZero() && !q.Awarded.IsZero() && q.Expires.Before(q.Awarded) {
			p.add(f+".expires", "must not be before awarded")
		}
		p.text(f+".reference", q.Reference, MaxQualificationRefLength, oneLine)
	}
	for i, t := range within(&p, "training", in.Training, MaxTrainings, "trainings") {
		f := fmt.Sprintf("training[%d]", i)
		if !oneOf(t.Kind, TrainingKinds) {
			p.add(f+".kind", "must be one of "+list(TrainingKinds))
		}
		if t.Completed.IsZero() {
			p.add(f+".completed", "is required")
		}
		if !t.Expires.IsZero() && t.Expires.Before(t.Completed) {
			p.add(f+".expires", "must not be before completed")
		}
	}
	if c := in.Clearance; c != (Clearance{}) {
		if !oneOf(c.Level, ClearanceLevels) {
			p.add("clearance.level", "must be one of "+list(ClearanceLevels))
		}
		if c.Certificate == "" {
			p.add("clearance.certificate", "is required")
		} else {
			p.text("clearance.certificate", c.Certificate, MaxCertificateLength, oneLine)
		}
		if c.Issued.IsZero() {
			p.add("clearance.issued", "is required")
		}
		if c.ValidUntil.IsZero() {
			p.add("clearance.validUntil", "is required")
		} else if c.ValidUntil.Before(c.Issued) {
			p.add("clearance.validUntil", "must not be before issued")
		}
	}
	validateLinks(&p, "communityLinks", within(&p, "communityLinks", in.CommunityLinks, MaxLinks, "links"))
	for _, e := range []struct {
		field   string
		n, most int
	}{
		{"experience.childInterviews", in.Experience.ChildInterviews, MaxExperienceCount},
		{"experience.traffickingCases", in.Experience.TraffickingCases, MaxExperienceCount},
		{"experience.years", in.Experience.Years, MaxExperienceYears},
	} {
		switch {
		case e.n < 0:
			p.add(e.field, "must not be negative")
		case e.n > e.most:
			p.add(e.field, fmt.Sprintf("must be at most %d", e.most))
		}
	}
	if !oneOf(in.Vetting.Status, VettingStatuses) {
		p.add("vetting.status", "must be one of "+list(VettingStatuses))
	}
	p.text("vetting.note", in.Vetting.Note, MaxNoteLength, prose)
	in.Availability.validate(&p, "availability.")
	return p.err()
}

// LanguageKeys returns the union of LanguageKeys over the interpreter's
// languages: what stores index so ListInterpreters can find them by language.
func (in Interpreter) LanguageKeys() []string {
	var keys []string
	for _, l := range in.Languages {
		for _, k := range LanguageKeys(l.Tag) {
			if !oneOf(k, keys) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// NameKey is the form in which an interpreter's name is searched and
// sorted: case- and accent-folded (Fold), so "Hana", "hana" and "Hanä"
// find the same records.
func NameKey(name string) string { return Fold(name) }

// InterpreterQuery selects interpreters in ID order (or, with ByName or
// NamePrefix, in name order). Empty fields do not filter.
type InterpreterQuery struct {
	// Email finds the records with this email address (NormalizeEmail),
	// off an index, in ID order: how a register warns of a duplicate. Only
	// Status, After and Limit apply with it.
	Email string
	// NamePrefix finds the records whose NameKey starts with the prefix's,
	// in name order; ByName lists every record in name order. After is then
	// the cursor the page returned (name and ID). Only Status, After and
	// Limit apply with them.
	NamePrefix string
	ByName     bool
	// LanguageKey finds interpreters with this key among their LanguageKeys.
	LanguageKey string
	Status      VettingStatus
	// RenewalBy, when set, finds interpreters with a renewal item (see
	// Interpreter.Renewals) that expires on or before this date, or is missing.
	RenewalBy Date
	// After is a cursor: only interpreters whose ID sorts after it (or,
	// by name, the Next of the page before).
	After string
	Limit int
}

// NameCursor is the cursor of an interpreter in name order: its NameKey
// and ID, which sort as the name index does.
func NameCursor(in Interpreter) string { return NameKey(in.Name) + "\x00" + in.ID }

// InterpreterStore keeps the interpreter register.
type InterpreterStore interface {
	// CreateInterpreter stores a new interpreter record, which must already
	// carry its ID, Version 1 and timestamps, with its change.
	// ErrDuplicate when the ID is taken; nothing is written then.
	CreateInterpreter(ctx context.Context, in Interpreter, ch Change) error
	// Interpreter returns the record with this ID, or ErrNotFound.
	Interpreter(ctx context.Context, id string) (Interpreter, error)
	// UpdateInterpreter changes the record with this ID through fn (see
	// Update) and returns what it stored, at the version read plus one.
	// ErrNotFound when no record has the ID; ErrInvalid when fn changes
	// the ID or creation time. Nothing is written on error.
	UpdateInterpreter(ctx context.Context, id string, fn Update[Interpreter]) (Interpreter, error)
	// ListInterpreters returns records matching q in ID order (creation order),
	// so a cursor stays valid while others insert.
	ListInterpreters(ctx context.Context, q InterpreterQuery) (Page[Interpreter], error)
}

// CheckUpdate refuses, with a *ValidationError, an update that changes
// what a record never changes: its ID and creation time.
func (in Interpreter) CheckUpdate(old Interpreter) error {
	var p problems
	p.same("id", in.ID, old.ID)
	p.sameTime("createdAt", in.CreatedAt, old.CreatedAt)
	return p.err()
}
