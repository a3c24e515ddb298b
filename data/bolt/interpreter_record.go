package bolt

import (
	"slices"
	"time"

	"github.com/tolk/tolk/data"
)

// interpreterRecord is an interpreter as the interpreters bucket stores it,
// in JSON. It holds no derived fields: index keys come from the data
// methods (see interpreterIndexes). Files written before the indexes may
// carry a languageKeys field, which decoding ignores.
type interpreterRecord struct {
	ID                    string                `json:"id"`
	Name                  string                `json:"name"`
	Email                 string                `json:"email"`
	Phone                 string                `json:"phone,omitempty"`
	Gender                string                `json:"gender"`
	Languages             []languageRecord      `json:"languages"`
	Modalities            []string              `json:"modalities,omitempty"`
	Regions               []string              `json:"regions,omitempty"`
	Qualifications        []qualificationRecord `json:"qualifications,omitempty"`
	Training              []trainingRecord      `json:"training,omitempty"`
	Clearance             clearanceRecord       `json:"clearance"`
	ConfidentialitySigned string                `json:"confidentialitySigned,omitempty"`
	CommunityLinks        []linkRecord          `json:"communityLinks,omitempty"`
	Experience            experienceRecord      `json:"experience"`
	Vetting               vettingRecord         `json:"vetting"`
	Availability          *availabilityRecord   `json:"availability,omitempty"` // absent when nothing is declared
	LegalHold             bool                  `json:"legalHold,omitempty"`
	Anonymised            string                `json:"anonymised,omitempty"`
	Version               int64                 `json:"version"`
	CreatedAt             string                `json:"createdAt"`
	UpdatedAt             string                `json:"updatedAt"`
}

type languageRecord struct {
	Tag         string `json:"tag"`
	Proficiency string `json:"proficiency"`
}

type qualificationRecord struct {
	Kind      string `json:"kind"`
	Reference string `json:"reference,omitempty"`
	Awarded   string `json:"awarded,omitempty"`
	Expires   string `json:"expires,omitempty"`
}

type trainingRecord struct {
	Kind      string `json:"kind"`
	Completed string `json:"completed"`
	Expires   string `json:"expires,omitempty"`
}

type clearanceRecord struct {
	Level         string `json:"level,omitempty"`
	Certificate   string `json:"certificate,omitempty"`
	Issued        string `json:"issued,omitempty"`
	ValidUntil    string `json:"validUntil,omitempty"`
	UpdateService bool   `json:"updateService,omitempty"`
}

type linkRecord struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type experienceRecord struct {
	ChildInterviews  int `json:"childInterviews"`
	TraffickingCases int `json:"traffickingCases"`
	Years            int `json:"years"`
}

type vettingRecord struct {
	Status    string `json:"status"`
	DecidedBy string `json:"decidedBy,omitempty"`
	DecidedAt string `json:"decidedAt,omitempty"`
	Note      string `json:"note,omitempty"`
}

func fromInterpreter(in data.Interpreter) interpreterRecord {
	r := interpreterRecord{
		ID: in.ID, Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: string(in.Gender),
		Regions: in.Regions,
		Clearance: clearanceRecord{
			Level: string(in.Clearance.Level), Certificate: in.Clearance.Certificate,
			Issued: in.Clearance.Issued.String(), ValidUntil: in.Clearance.ValidUntil.String(),
			UpdateService: in.Clearance.UpdateService,
		},
		ConfidentialitySigned: in.Agreements.ConfidentialitySigned.String(),
		Experience:            experienceRecord(in.Experience),
		Vetting: vettingRecord{
			Status: string(in.Vetting.Status), DecidedBy: in.Vetting.DecidedBy,
			DecidedAt: encodeTime(in.Vetting.DecidedAt), Note: in.Vetting.Note,
		},
		Version: in.Version, CreatedAt: encodeTime(in.CreatedAt), UpdatedAt: encodeTime(in.UpdatedAt),
		Availability: fromAvailability(in.Availability),
		LegalHold:    in.LegalHold, Anonymised: encodeTime(in.Anonymised),
	}
	for _, l := range in.Languages {
		r.Languages = append(r.Languages, languageRecord{l.Tag, string(l.Proficiency)})
	}
	for _, m := range in.Modalities {
		r.Modalities = append(r.Modalities, string(m))
	}
	for _, q := range in.Qualifications {
		r.Qualifications = append(r.Qualifications, qualificationRecord{string(q.Kind), q.Reference, q.Awarded.String(), q.Expires.String()})
	}
	for _, t := range in.Training {
		r.Training = append(r.Training, trainingRecord{string(t.Kind), t.Completed.String(), t.Expires.String()})
	}
	for _, l := range in.CommunityLinks {
		r.CommunityLinks = append(r.CommunityLinks, linkRecord{string(l.Kind), l.Value})
	}
	return r
}

func (r interpreterRecord) toInterpreter() data.Interpreter {
	in := data.Interpreter{
		ID: r.ID, Name: r.Name, Email: r.Email, Phone: r.Phone, Gender: data.Gender(r.Gender),
		Regions: r.Regions,
		Clearance: data.Clearance{
			Level: data.ClearanceLevel(r.Clearance.Level), Certificate: r.Clearance.Certificate,
			Issued: decodeDate(r.Clearance.Issued), ValidUntil: decodeDate(r.Clearance.ValidUntil),
			UpdateService: r.Clearance.UpdateService,
		},
		Agreements: data.Agreements{ConfidentialitySigned: decodeDate(r.ConfidentialitySigned)},
		Experience: data.Experience(r.Experience),
		Vetting: data.Vetting{
			Status: data.VettingStatus(r.Vetting.Status), DecidedBy: r.Vetting.DecidedBy,
			DecidedAt: decodeTime(r.Vetting.DecidedAt), Note: r.Vetting.Note,
		},
		Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
		Availability: r.Availability.toAvailability(),
		LegalHold:    r.LegalHold, Anonymised: decodeTime(r.Anonymised),
	}
	for _, l := range r.Languages {
		in.Languages = append(in.Languages, data.LanguageSkill{Tag: l.Tag, Proficiency: data.Proficiency(l.Proficiency)})
	}
	for _, m := range r.Modalities {
		in.Modalities = append(in.Modalities, data.Modality(m))
	}
	for _, q := range r.Qualifications {
		in.Qualifications = append(in.Qualifications, data.Qualification{
			Kind: data.QualificationKind(q.Kind), Reference: q.Reference, Awarded: decodeDate(q.Awarded), Expires: decodeDate(q.Expires),
		})
	}
	for _, t := range r.Training {
		in.Training = append(in.Training, data.Training{Kind: data.TrainingKind(t.Kind), Completed: decodeDate(t.Completed), Expires: decodeDate(t.Expires)})
	}
	for _, l := range r.CommunityLinks {
		in.CommunityLinks = append(in.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	return in
}

// availabilityRecord is an interpreter's availability as its record
// stores it. Days and clock times are kept as the numbers data holds
// (time.Weekday, minutes after midnight), so every value round-trips as
// it was given.
type availabilityRecord struct {
	TimeZone    string         `json:"timeZone,omitempty"`
	Weekly      []weeklyRecord `json:"weekly,omitempty"`
	Unavailable []periodRecord `json:"unavailable,omitempty"`
}

type weeklyRecord struct {
	Day  int `json:"day"`
	From int `json:"from"`
	To   int `json:"to"`
}

type periodRecord struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// fromAvailability is nil for an availability with nothing declared, so
// records without one keep their old form.
func fromAvailability(a data.Availability) *availabilityRecord {
	if a.TimeZone == "" && len(a.Weekly) == 0 && len(a.Unavailable) == 0 {
		return nil
	}
	r := &availabilityRecord{TimeZone: a.TimeZone}
	for _, w := range a.Weekly {
		r.Weekly = append(r.Weekly, weeklyRecord{Day: int(w.Day), From: int(w.From), To: int(w.To)})
	}
	for _, p := range a.Unavailable {
		r.Unavailable = append(r.Unavailable, periodRecord{Start: encodeTime(p.Start), End: encodeTime(p.End)})
	}
	return r
}

func (r *availabilityRecord) toAvailability() data.Availability {
	if r == nil {
		return data.Availability{}
	}
	a := data.Availability{TimeZone: r.TimeZone}
	for _, w := range r.Weekly {
		a.Weekly = append(a.Weekly, data.WeeklyHours{Day: time.Weekday(w.Day), From: data.ClockTime(w.From), To: data.ClockTime(w.To)})
	}
	for _, p := range r.Unavailable {
		a.Unavailable = append(a.Unavailable, data.Period{Start: decodeTime(p.Start), End: decodeTime(p.End)})
	}
	return a
}

// cloneAvailability copies an availability's slices.
func cloneAvailability(a data.Availability) data.Availability {
	a.Weekly, a.Unavailable = slices.Clone(a.Weekly), slices.Clone(a.Unavailable)
	return a
}
