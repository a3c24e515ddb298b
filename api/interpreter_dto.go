package api

import (
	"slices"
	"time"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

// interpreterInput is the body of POST and PUT /v1/interpreters. Tags check
// shape; data.Interpreter.Validate checks meaning (kinds, ISO codes, dates
// in order), and both sets of errors are reported together. The read-only
// fields of the representation GET returns are accepted and ignored, so a
// client can PUT back what it read (an id naming another record is refused).
type interpreterInput struct {
	ID         string `json:"id" validate:"idlen"`
	Version    any    `json:"version"`
	Vetting    any    `json:"vetting"`
	LegalHold  any    `json:"legalHold"` // changed by PUT /v1/interpreters/{id}/legal-hold only
	Anonymised any    `json:"anonymisedAt"`
	CreatedAt  any    `json:"createdAt"`
	UpdatedAt  any    `json:"updatedAt"`

	Name           string               `json:"name" validate:"required,namelen"`
	Email          string               `json:"email" validate:"required,email,emaillen"`
	Phone          string               `json:"phone" validate:"phonelen"`
	Gender         string               `json:"gender" validate:"required"`
	Languages      []languageInput      `json:"languages" validate:"required,min=1,languages,dive"`
	Modalities     []string             `json:"modalities" validate:"modalities"`
	Regions        []string             `json:"regions" validate:"regions"`
	Qualifications []qualificationInput `json:"qualifications" validate:"qualifications,dive"`
	Training       []trainingInput      `json:"training" validate:"trainings,dive"`
	Clearance      *clearanceInput      `json:"clearance"`
	Agreements     agreementsInput      `json:"agreements"`
	CommunityLinks []linkInput          `json:"communityLinks" validate:"links,dive"`
	Experience     experienceInput      `json:"experience"`
}

type languageInput struct {
	Tag         string `json:"tag" validate:"required,bcp47"`
	Proficiency string `json:"proficiency" validate:"required"`
}

type qualificationInput struct {
	Kind      string `json:"kind" validate:"required"`
	Reference string `json:"reference" validate:"qualificationreflen"`
	Awarded   string `json:"awarded" validate:"omitempty,datetime=2006-01-02"`
	Expires   string `json:"expires" validate:"omitempty,datetime=2006-01-02"`
}

type trainingInput struct {
	Kind      string `json:"kind" validate:"required"`
	Completed string `json:"completed" validate:"required,datetime=2006-01-02"`
	Expires   string `json:"expires" validate:"omitempty,datetime=2006-01-02"`
}

type clearanceInput struct {
	Level         string `json:"level" validate:"required"`
	Certificate   string `json:"certificate" validate:"required,certificatelen"`
	Issued        string `json:"issued" validate:"required,datetime=2006-01-02"`
	ValidUntil    string `json:"validUntil" validate:"required,datetime=2006-01-02"`
	UpdateService bool   `json:"updateService"`
}

type agreementsInput struct {
	ConfidentialitySigned string `json:"confidentialitySigned" validate:"omitempty,datetime=2006-01-02"`
}

type linkInput struct {
	Kind  string `json:"kind" validate:"required"`
	Value string `json:"value" validate:"required,linklen"`
}

type experienceInput struct {
	ChildInterviews  int `json:"childInterviews" validate:"experiencecount"`
	TraffickingCases int `json:"traffickingCases" validate:"experiencecount"`
	Years            int `json:"years" validate:"experienceyears"`
}

// date parses a validated YYYY-MM-DD; text the validator refused leaves the
// zero Date, and its error is already reported.
func date(s string) data.Date {
	d, _ := data.ParseDate(s)
	return d
}

// toInterpreter turns the input into the record's fields (not its ID,
// vetting, version or timestamps), normalised.
func (in interpreterInput) toInterpreter() data.Interpreter {
	r := data.Interpreter{
		Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: data.Gender(in.Gender),
		Regions:    slices.Clone(in.Regions),
		Agreements: data.Agreements{ConfidentialitySigned: date(in.Agreements.ConfidentialitySigned)},
		Experience: data.Experience(in.Experience),
	}
	for _, l := range in.Languages {
		r.Languages = append(r.Languages, data.LanguageSkill{Tag: l.Tag, Proficiency: data.Proficiency(l.Proficiency)})
	}
	for _, m := range in.Modalities {
		r.Modalities = append(r.Modalities, data.Modality(m))
	}
	for _, q := range in.Qualifications {
		r.Qualifications = append(r.Qualifications, data.Qualification{
			Kind: data.QualificationKind(q.Kind), Reference: q.Reference, Awarded: date(q.Awarded), Expires: date(q.Expires),
		})
	}
	for _, t := range in.Training {
		r.Training = append(r.Training, data.Training{Kind: data.TrainingKind(t.Kind), Completed: date(t.Completed), Expires: date(t.Expires)})
	}
	if c := in.Clearance; c != nil {
		r.Clearance = data.Clearance{
			Level: data.ClearanceLevel(c.Level), Certificate: c.Certificate,
			Issued: date(c.Issued), ValidUntil: date(c.ValidUntil), UpdateService: c.UpdateService,
		}
	}
	for _, l := range in.CommunityLinks {
		r.CommunityLinks = append(r.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	r.Normalize()
	return r
}

// interpreterView is an interpreter as clients see it. The reduced view
// (social workers, listings) leaves out phone, certificate number, community
// links and the vetting note; those fields are then absent, not empty.
type interpreterView struct {
	ID             string              `json:"id"`
	Name           string              `json:"name"`
	Email          string              `json:"email"`
	Phone          string              `json:"phone,omitempty"`
	Gender         data.Gender         `json:"gender"`
	Languages      []languageView      `json:"languages"`
	Modalities     []data.Modality     `json:"modalities"`
	Regions        []string            `json:"regions"`
	Qualifications []qualificationView `json:"qualifications"`
	Training       []trainingView      `json:"training"`
	Clearance      *clearanceView      `json:"clearance"`
	Agreements     agreementsView      `json:"agreements"`
	CommunityLinks *[]linkView         `json:"communityLinks,omitempty"`
	Experience     experienceView      `json:"experience"`
	Vetting        vettingView         `json:"vetting"`
	LegalHold      bool                `json:"legalHold"`
	AnonymisedAt   *time.Time          `json:"anonymisedAt,omitempty"`
	Version        int64               `json:"version"`
	CreatedAt      time.Time           `json:"createdAt"`
	UpdatedAt      time.Time           `json:"updatedAt"`
}

type languageView struct {
	Tag         string           `json:"tag"`
	Proficiency data.Proficiency `json:"proficiency"`
}

type qualificationView struct {
	Kind      data.QualificationKind `json:"kind"`
	Reference string                 `json:"reference,omitempty"`
	Awarded   string                 `json:"awarded,omitempty"`
	Expires   string                 `json:"expires,omitempty"`
}

type trainingView struct {
	Kind      data.TrainingKind `json:"kind"`
	Completed string            `json:"completed"`
	Expires   string            `json:"expires,omitempty"`
}

type clearanceView struct {
	Level         data.ClearanceLevel `json:"level"`
	Certificate   string              `json:"certificate,omitempty"`
	Issued        string              `json:"issued"`
	ValidUntil    string              `json:"validUntil"`
	UpdateService bool                `json:"updateService"`
}

type agreementsView struct {
	ConfidentialitySigned string `json:"confidentialitySigned,omitempty"`
}

type linkView struct {
	Kind  data.CommunityLinkKind `json:"kind"`
	Value string                 `json:"value"`
}

type experienceView struct {
	ChildInterviews  int `json:"childInterviews"`
	TraffickingCases int `json:"traffickingCases"`
	Years            int `json:"years"`
}

type vettingView struct {
	Status    data.VettingStatus `json:"status"`
	DecidedBy string             `json:"decidedBy,omitempty"`
	DecidedAt *time.Time         `json:"decidedAt,omitempty"`
	Note      string             `json:"note,omitempty"`
}

// toInterpreterView shows the record as the app decided the caller may see
// it: the full record, or the reduced one with the sensitive fields absent.
func toInterpreterView(ai app.Interpreter) interpreterView {
	in, full := ai.Interpreter, ai.Full
	v := interpreterView{
		ID: in.ID, Name: in.Name, Email: in.Email, Gender: in.Gender,
		Languages: []languageView{}, Modalities: in.Modalities, Regions: in.Regions,
		Qualifications: []qualificationView{}, Training: []trainingView{},
		Agreements: agreementsView{ConfidentialitySigned: in.Agreements.ConfidentialitySigned.String()},
		Experience: experienceView(in.Experience),
		Vetting:    vettingView{Status: in.Vetting.Status, DecidedBy: in.Vetting.DecidedBy},
		LegalHold:  in.LegalHold,
		Version:    in.Version, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt,
	}
	if !in.Anonymised.IsZero() {
		at := in.Anonymised
		v.AnonymisedAt = &at
	}
	if v.Modalities == nil {
		v.Modalities = []data.Modality{}
	}
	if v.Regions == nil {
		v.Regions = []string{}
	}
	if !in.Vetting.DecidedAt.IsZero() {
		at := in.Vetting.DecidedAt
		v.Vetting.DecidedAt = &at
	}
	for _, l := range in.Languages {
		v.Languages = append(v.Languages, languageView{l.Tag, l.Proficiency})
	}
	for _, q := range in.Qualifications {
		v.Qualifications = append(v.Qualifications, qualificationView{q.Kind, q.Reference, q.Awarded.String(), q.Expires.String()})
	}
	for _, t := range in.Training {
		v.Training = append(v.Training, trainingView{t.Kind, t.Completed.String(), t.Expires.String()})
	}
	if c := in.Clearance; c.Level != "" {
		v.Clearance = &clearanceView{Level: c.Level, Issued: c.Issued.String(), ValidUntil: c.ValidUntil.String(), UpdateService: c.UpdateService}
	}
	if full {
		v.Phone = in.Phone
		v.Vetting.Note = in.Vetting.Note
		if v.Clearance != nil {
			v.Clearance.Certificate = in.Clearance.Certificate
		}
		links := []linkView{}
		for _, l := range in.CommunityLinks {
			links = append(links, linkView{l.Kind, l.Value})
		}
		v.CommunityLinks = &links
	}
	return v
}
