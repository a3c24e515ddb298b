package mongodb

import (
	"time"

	"github.com/tolk/tolk/data"
)

// interpreterDocument is an interpreter record as stored, with the keys
// ListInterpreters filters on, derived from the record on every write.
type interpreterDocument struct {
	ID             string                  `bson:"_id"`
	Name           string                  `bson:"name"`
	Email          string                  `bson:"email"`
	Phone          string                  `bson:"phone,omitempty"`
	Gender         string                  `bson:"gender"`
	Languages      []languageDocument      `bson:"languages"`
	LanguageKeys   []string                `bson:"languageKeys"` // derived, indexed: data.Interpreter.LanguageKeys
	RenewalKeys    []string                `bson:"renewalKeys"`  // derived, indexed: data.Interpreter.RenewalKeys
	NameKey        string                  `bson:"nameKey"`      // derived, indexed: data.NameKey of Name
	Modalities     []string                `bson:"modalities"`
	Regions        []string                `bson:"regions"`
	Qualifications []qualificationDocument `bson:"qualifications"`
	Training       []trainingDocument      `bson:"training"`
	Clearance      clearanceDocument       `bson:"clearance"`
	Agreements     agreementsDocument      `bson:"agreements"`
	CommunityLinks []linkDocument          `bson:"communityLinks"`
	Experience     experienceDocument      `bson:"experience"`
	Vetting        vettingDocument         `bson:"vetting"`
	Availability   availabilityDocument    `bson:"availability"`
	LegalHold      bool                    `bson:"legalHold,omitempty"`
	// Left is derived (data.Interpreter.Left), absent unless the
	// interpreter left the register; Anonymised is absent until retention
	// anonymises the record: retention's index selects left records whose
	// anonymised is null.
	Left       *time.Time `bson:"left,omitempty"`
	Anonymised *time.Time `bson:"anonymised,omitempty"`
	Version    int64      `bson:"version"`
	CreatedAt  time.Time  `bson:"createdAt"`
	UpdatedAt  time.Time  `bson:"updatedAt"`
}

type languageDocument struct {
	Tag         string `bson:"tag"`
	Proficiency string `bson:"proficiency"`
}

// Dates are stored as YYYY-MM-DD strings: they sort and range-filter as
// dates, and no time zone can shift them.
type qualificationDocument struct {
	Kind      string `bson:"kind"`
	Reference string `bson:"reference,omitempty"`
	Awarded   string `bson:"awarded,omitempty"`
	Expires   string `bson:"expires,omitempty"`
}

type trainingDocument struct {
	Kind      string `bson:"kind"`
	Completed string `bson:"completed"`
	Expires   string `bson:"expires,omitempty"`
}

type clearanceDocument struct {
	Level         string `bson:"level,omitempty"`
	Certificate   string `bson:"certificate,omitempty"`
	Issued        string `bson:"issued,omitempty"`
	ValidUntil    string `bson:"validUntil,omitempty"`
	UpdateService bool   `bson:"updateService"`
}

type agreementsDocument struct {
	ConfidentialitySigned string `bson:"confidentialitySigned,omitempty"`
}

type linkDocument struct {
	Kind  string `bson:"kind"`
	Value string `bson:"value"`
}

type experienceDocument struct {
	ChildInterviews  int `bson:"childInterviews"`
	TraffickingCases int `bson:"traffickingCases"`
	Years            int `bson:"years"`
}

type vettingDocument struct {
	Status    string    `bson:"status"`
	DecidedBy string    `bson:"decidedBy,omitempty"`
	DecidedAt time.Time `bson:"decidedAt"`
	Note      string    `bson:"note,omitempty"`
}

// availabilityDocument is when an interpreter can work: weekly spans as a
// day (0 is Sunday, as time.Weekday) and minutes after midnight on the
// wall clock of the zone, and unavailable periods as BSON dates. Records
// stored before availability was kept have none: any time.
type availabilityDocument struct {
	TimeZone    string           `bson:"timeZone,omitempty"`
	Weekly      []weeklyDocument `bson:"weekly,omitempty"`
	Unavailable []periodDocument `bson:"unavailable,omitempty"`
}

type weeklyDocument struct {
	Day  int `bson:"day"`
	From int `bson:"from"`
	To   int `bson:"to"`
}

type periodDocument struct {
	Start time.Time `bson:"start"`
	End   time.Time `bson:"end"`
}

func fromAvailability(a data.Availability) availabilityDocument {
	d := availabilityDocument{TimeZone: a.TimeZone}
	for _, w := range a.Weekly {
		d.Weekly = append(d.Weekly, weeklyDocument{Day: int(w.Day), From: int(w.From), To: int(w.To)})
	}
	for _, p := range a.Unavailable {
		d.Unavailable = append(d.Unavailable, periodDocument{Start: data.Timestamp(p.Start), End: data.Timestamp(p.End)})
	}
	return d
}

func (d availabilityDocument) toAvailability() data.Availability {
	a := data.Availability{TimeZone: d.TimeZone}
	for _, w := range d.Weekly {
		a.Weekly = append(a.Weekly, data.WeeklyHours{Day: time.Weekday(w.Day), From: data.ClockTime(w.From), To: data.ClockTime(w.To)})
	}
	for _, p := range d.Unavailable {
		a.Unavailable = append(a.Unavailable, data.Period{Start: utc(p.Start), End: utc(p.End)})
	}
	return a
}

func fromInterpreter(in data.Interpreter) interpreterDocument {
	d := interpreterDocument{
		ID: in.ID, Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: string(in.Gender),
		LanguageKeys: in.LanguageKeys(), RenewalKeys: in.RenewalKeys(), NameKey: data.NameKey(in.Name), Regions: in.Regions,
		Clearance: clearanceDocument{
			Level: string(in.Clearance.Level), Certificate: in.Clearance.Certificate,
			Issued: in.Clearance.Issued.String(), ValidUntil: in.Clearance.ValidUntil.String(),
			UpdateService: in.Clearance.UpdateService,
		},
		Agreements: agreementsDocument{ConfidentialitySigned: in.Agreements.ConfidentialitySigned.String()},
		Experience: experienceDocument(in.Experience),
		Vetting: vettingDocument{
			Status: string(in.Vetting.Status), DecidedBy: in.Vetting.DecidedBy,
			DecidedAt: data.Timestamp(in.Vetting.DecidedAt), Note: in.Vetting.Note,
		},
		Availability: fromAvailability(in.Availability),
		LegalHold:    in.LegalHold, Left: optionalTime(in.Left()), Anonymised: optionalTime(in.Anonymised),
		Version: in.Version, CreatedAt: data.Timestamp(in.CreatedAt), UpdatedAt: data.Timestamp(in.UpdatedAt),
	}
	for _, l := range in.Languages {
		d.Languages = append(d.Languages, languageDocument{l.Tag, string(l.Proficiency)})
	}
	for _, m := range in.Modalities {
		d.Modalities = append(d.Modalities, string(m))
	}
	for _, q := range in.Qualifications {
		d.Qualifications = append(d.Qualifications, qualificationDocument{string(q.Kind), q.Reference, q.Awarded.String(), q.Expires.String()})
	}
	for _, t := range in.Training {
		d.Training = append(d.Training, trainingDocument{string(t.Kind), t.Completed.String(), t.Expires.String()})
	}
	for _, l := range in.CommunityLinks {
		d.CommunityLinks = append(d.CommunityLinks, linkDocument{string(l.Kind), l.Value})
	}
	return d
}

func (d interpreterDocument) toInterpreter() data.Interpreter {
	in := data.Interpreter{
		ID: d.ID, Name: d.Name, Email: d.Email, Phone: d.Phone, Gender: data.Gender(d.Gender),
		Regions: d.Regions,
		Clearance: data.Clearance{
			Level: data.ClearanceLevel(d.Clearance.Level), Certificate: d.Clearance.Certificate,
			Issued: decodeDate(d.Clearance.Issued), ValidUntil: decodeDate(d.Clearance.ValidUntil),
			UpdateService: d.Clearance.UpdateService,
		},
		Agreements: data.Agreements{ConfidentialitySigned: decodeDate(d.Agreements.ConfidentialitySigned)},
		Experience: data.Experience(d.Experience),
		Vetting: data.Vetting{
			Status: data.VettingStatus(d.Vetting.Status), DecidedBy: d.Vetting.DecidedBy,
			DecidedAt: utc(d.Vetting.DecidedAt), Note: d.Vetting.Note,
		},
		Availability: d.Availability.toAvailability(),
		LegalHold:    d.LegalHold, Anonymised: fromOptionalTime(d.Anonymised),
		Version: d.Version, CreatedAt: utc(d.CreatedAt), UpdatedAt: utc(d.UpdatedAt),
	}
	for _, l := range d.Languages {
		in.Languages = append(in.Languages, data.LanguageSkill{Tag: l.Tag, Proficiency: data.Proficiency(l.Proficiency)})
	}
	for _, m := range d.Modalities {
		in.Modalities = append(in.Modalities, data.Modality(m))
	}
	for _, q := range d.Qualifications {
		in.Qualifications = append(in.Qualifications, data.Qualification{
			Kind: data.QualificationKind(q.Kind), Reference: q.Reference, Awarded: decodeDate(q.Awarded), Expires: decodeDate(q.Expires),
		})
	}
	for _, t := range d.Training {
		in.Training = append(in.Training, data.Training{Kind: data.TrainingKind(t.Kind), Completed: decodeDate(t.Completed), Expires: decodeDate(t.Expires)})
	}
	for _, l := range d.CommunityLinks {
		in.CommunityLinks = append(in.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	return in
}
