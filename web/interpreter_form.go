package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tolk/tolk/data"
)

// interpreterFields is the interpreter form as entered: text, so that a
// date or number that cannot be read comes back as it was typed.
type interpreterFields struct {
	ID                         string
	Version                    int64
	Name, Email, Phone, Gender string
	Languages                  []languageRow
	Modalities                 []string
	Regions                    []string
	Qualifications             []qualificationRow
	Training                   []trainingRow
	Clearance                  clearanceRow
	ConfidentialitySigned      string
	CommunityLinks             []linkRow
	Experience                 experienceRow
}

type languageRow struct{ Tag, Proficiency string }

type qualificationRow struct{ Kind, Reference, Awarded, Expires string }

type trainingRow struct{ Kind, Completed, Expires string }

type clearanceRow struct {
	Level, Certificate, Issued, ValidUntil string
	UpdateService                          bool
}

type linkRow struct{ Kind, Value string }

type experienceRow struct{ ChildInterviews, TraffickingCases, Years string }

// fieldsOf fills the form from a record.
func fieldsOf(in data.Interpreter) interpreterFields {
	f := interpreterFields{
		ID: in.ID, Version: in.Version, Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: string(in.Gender),
		Regions: slices.Clone(in.Regions),
		Clearance: clearanceRow{Level: string(in.Clearance.Level), Certificate: in.Clearance.Certificate,
			Issued: in.Clearance.Issued.String(), ValidUntil: in.Clearance.ValidUntil.String(), UpdateService: in.Clearance.UpdateService},
		ConfidentialitySigned: in.Agreements.ConfidentialitySigned.String(),
		Experience: experienceRow{strconv.Itoa(in.Experience.ChildInterviews), strconv.Itoa(in.Experience.TraffickingCases),
			strconv.Itoa(in.Experience.Years)},
	}
	for _, l := range in.Languages {
		f.Languages = append(f.Languages, languageRow{l.Tag, string(l.Proficiency)})
	}
	for _, m := range in.Modalities {
		f.Modalities = append(f.Modalities, string(m))
	}
	for _, q := range in.Qualifications {
		f.Qualifications = append(f.Qualifications, qualificationRow{string(q.Kind), q.Reference, q.Awarded.String(), q.Expires.String()})
	}
	for _, t := range in.Training {
		f.Training = append(f.Training, trainingRow{string(t.Kind), t.Completed.String(), t.Expires.String()})
	}
	for _, l := range in.CommunityLinks {
		f.CommunityLinks = append(f.CommunityLinks, linkRow{string(l.Kind), l.Value})
	}
	return f
}

// readInterpreterFields reads the posted form. Blank rows are dropped (the
// form shows spare ones); a half-filled row is kept, so validation names it.
func readInterpreterFields(r *request) interpreterFields {
	c := r.c
	f := interpreterFields{
		Name: value(c, "name"), Email: value(c, "email"), Phone: value(c, "phone"), Gender: value(c, "gender"),
		Regions: nonEmpty(rows(c, "regions[%d]")),
		Clearance: clearanceRow{Level: value(c, "clearance.level"), Certificate: value(c, "clearance.certificate"),
			Issued: value(c, "clearance.issued"), ValidUntil: value(c, "clearance.validUntil"),
			UpdateService: checked(c, "clearance.updateService")},
		ConfidentialitySigned: value(c, "agreements.confidentialitySigned"),
		Experience: experienceRow{value(c, "experience.childInterviews"), value(c, "experience.traffickingCases"),
			value(c, "experience.years")},
	}
	for _, m := range c.Request().PostArgs().PeekMulti("modalities") {
		f.Modalities = append(f.Modalities, string(m))
	}
	for i := range maxRows {
		tag, ok := formValue(c, fmt.Sprintf("languages[%d].tag", i))
		if !ok {
			break
		}
		l := languageRow{strings.TrimSpace(tag), value(c, fmt.Sprintf("languages[%d].proficiency", i))}
		if l != (languageRow{}) {
			f.Languages = append(f.Languages, l)
		}
	}
	for i := range maxRows {
		kind, ok := formValue(c, fmt.Sprintf("qualifications[%d].kind", i))
		if !ok {
			break
		}
		q := qualificationRow{strings.TrimSpace(kind), value(c, fmt.Sprintf("qualifications[%d].reference", i)),
			value(c, fmt.Sprintf("qualifications[%d].awarded", i)), value(c, fmt.Sprintf("qualifications[%d].expires", i))}
		if q != (qualificationRow{}) {
			f.Qualifications = append(f.Qualifications, q)
		}
	}
	for i := range maxRows {
		kind, ok := formValue(c, fmt.Sprintf("training[%d].kind", i))
		if !ok {
			break
		}
		t := trainingRow{strings.TrimSpace(kind), value(c, fmt.Sprintf("training[%d].completed", i)), value(c, fmt.Sprintf("training[%d].expires", i))}
		if t != (trainingRow{}) {
			f.Training = append(f.Training, t)
		}
	}
	for i := range maxRows {
		kind, ok := formValue(c, fmt.Sprintf("communityLinks[%d].kind", i))
		if !ok {
			break
		}
		l := linkRow{strings.TrimSpace(kind), value(c, fmt.Sprintf("communityLinks[%d].value", i))}
		if l != (linkRow{}) {
			f.CommunityLinks = append(f.CommunityLinks, l)
		}
	}
	return f
}

// record turns the form into the record's fields. Dates and numbers that
// cannot be read are named by why; then the record's own invariants are
// checked too, so the form comes back with every problem at once, named as
// the API names them.
func (f interpreterFields) record() (data.Interpreter, fieldErrors) {
	var errs fieldErrors
	date := func(field, s string) data.Date {
		if s == "" {
			return data.Date{}
		}
		d, err := data.ParseDate(s)
		if err != nil {
			errs = append(errs, data.FieldError{Field: field, Message: err.Error()})
		}
		return d
	}
	count := func(field, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs = append(errs, data.FieldError{Field: field, Message: "must be a whole number, like 12"})
		}
		return n
	}
	in := data.Interpreter{
		Name: f.Name, Email: f.Email, Phone: f.Phone, Gender: data.Gender(f.Gender), Regions: slices.Clone(f.Regions),
		Agreements: data.Agreements{ConfidentialitySigned: date("agreements.confidentialitySigned", f.ConfidentialitySigned)},
		Experience: data.Experience{
			ChildInterviews:  count("experience.childInterviews", f.Experience.ChildInterviews),
			TraffickingCases: count("experience.traffickingCases", f.Experience.TraffickingCases),
			Years:            count("experience.years", f.Experience.Years),
		},
	}
	// Languages and regions are read by name as well as by code ("Kurdish
	// (Sorani)", "Leeds"); one that names nothing known stays as typed,
	// with an error suggesting the nearest names.
	for i, l := range f.Languages {
		tag, ferr := readLanguage(fmt.Sprintf("languages[%d].tag", i), l.Tag)
		if ferr != nil || tag == "" {
			tag = l.Tag
		}
		if ferr != nil {
			errs = append(errs, *ferr)
		}
		in.Languages = append(in.Languages, data.LanguageSkill{Tag: tag, Proficiency: data.Proficiency(l.Proficiency)})
	}
	for i, typed := range in.Regions {
		code, ferr := readRegion(fmt.Sprintf("regions[%d]", i), typed)
		if ferr != nil {
			errs = append(errs, *ferr)
			continue
		}
		in.Regions[i] = code
	}
	for _, m := range f.Modalities {
		in.Modalities = append(in.Modalities, data.Modality(m))
	}
	for i, q := range f.Qualifications {
		field := fmt.Sprintf("qualifications[%d]", i)
		in.Qualifications = append(in.Qualifications, data.Qualification{Kind: data.QualificationKind(q.Kind), Reference: q.Reference,
			Awarded: date(field+".awarded", q.Awarded), Expires: date(field+".expires", q.Expires)})
	}
	for i, t := range f.Training {
		field := fmt.Sprintf("training[%d]", i)
		in.Training = append(in.Training, data.Training{Kind: data.TrainingKind(t.Kind),
			Completed: date(field+".completed", t.Completed), Expires: date(field+".expires", t.Expires)})
	}
	if c := f.Clearance; c != (clearanceRow{}) {
		in.Clearance = data.Clearance{Level: data.ClearanceLevel(c.Level), Certificate: c.Certificate,
			Issued: date("clearance.issued", c.Issued), ValidUntil: date("clearance.validUntil", c.ValidUntil), UpdateService: c.UpdateService}
	}
	for _, l := range f.CommunityLinks {
		in.CommunityLinks = append(in.CommunityLinks, data.CommunityLink{Kind: data.CommunityLinkKind(l.Kind), Value: l.Value})
	}
	in.Normalize()
	if len(errs) == 0 {
		return in, nil
	}
	// The app sets the real vetting; a valid one here lets Validate judge
	// only what the form sent, as the API's decoding does.
	check := in
	check.Vetting.Status = data.VettingPending
	if ve, ok := validationErrors(check.Validate()); ok {
		errs = append(errs, without(ve, errs)...)
	}
	return in, inFormOrder(errs)
}

// formSections are the interpreter form's parts, top to bottom.
var formSections = []string{"name", "email", "phone", "gender", "languages", "modalities", "regions", "experience",
	"clearance", "agreements", "training", "qualifications", "communityLinks"}

// inFormOrder sorts a form's errors as its fields stand on the page, so
// the error summary reads top to bottom (rows in their order; within a
// row, as found).
func inFormOrder(errs fieldErrors) fieldErrors {
	rank := func(field string) (int, int) {
		section := len(formSections)
		for i, s := range formSections {
			if field == s || strings.HasPrefix(field, s+".") || strings.HasPrefix(field, s+"[") {
				section = i
				break
			}
		}
		n := -1
		if m := index.FindStringSubmatch(field); m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		return section, n
	}
	slices.SortStableFunc(errs, func(a, b data.FieldError) int {
		as, an := rank(a.Field)
		bs, bn := rank(b.Field)
		if as != bs {
			return as - bs
		}
		return an - bn
	})
	return errs
}

// interpreterForm is the create or edit form: the fields as entered, how
// many rows each list shows, and the choices.
type interpreterForm struct {
	F                                                         interpreterFields
	LanguageRows, RegionRows, QualificationRows, TrainingRows int
	LinkRows                                                  int
	Genders                                                   []data.Gender
	Proficiencies                                             []data.Proficiency
	Modalities                                                []data.Modality
	QualificationKinds                                        []data.QualificationKind
	TrainingKinds                                             []data.TrainingKind
	ClearanceLevels                                           []data.ClearanceLevel
	LinkKinds                                                 []data.CommunityLinkKind
}

func newInterpreterForm(f interpreterFields) interpreterForm {
	return interpreterForm{
		F:                  f,
		LanguageRows:       padded(len(f.Languages), 1, 2),
		RegionRows:         padded(len(f.Regions), 1, 2),
		QualificationRows:  padded(len(f.Qualifications), 1, 1),
		TrainingRows:       padded(len(f.Training), 1, 2),
		LinkRows:           padded(len(f.CommunityLinks), 1, 2),
		Genders:            data.Genders,
		Proficiencies:      data.Proficiencies,
		Modalities:         data.Modalities,
		QualificationKinds: data.QualificationKinds,
		TrainingKinds:      data.TrainingKinds,
		ClearanceLevels:    data.ClearanceLevels,
		LinkKinds:          data.CommunityLinkKinds,
	}
}

// Lang returns the i-th language row, or a blank one.
func (f interpreterForm) Lang(i int) languageRow { return row(f.F.Languages, i) }

// Region returns the i-th region, or "".
func (f interpreterForm) Region(i int) string { return row(f.F.Regions, i) }

// Qual returns the i-th qualification row, or a blank one.
func (f interpreterForm) Qual(i int) qualificationRow { return row(f.F.Qualifications, i) }

// Course returns the i-th training row, or a blank one.
func (f interpreterForm) Course(i int) trainingRow { return row(f.F.Training, i) }

// Link returns the i-th community link row, or a blank one.
func (f interpreterForm) Link(i int) linkRow { return row(f.F.CommunityLinks, i) }

// Works reports whether the interpreter works by modality m.
func (f interpreterForm) Works(m data.Modality) bool {
	return slices.Contains(f.F.Modalities, string(m))
}

func row[T any](s []T, i int) T {
	if i < len(s) {
		return s[i]
	}
	var zero T
	return zero
}

// interpreterLabels name the form's fields in its errors (see describe).
var interpreterLabels = map[string]string{
	"name": "Full name", "email": "Email address", "phone": "Phone number", "gender": "Gender",
	"languages": "Languages", "languages[].tag": "Language %d", "languages[].proficiency": "How well they speak language %d",
	"modalities": "Ways of working", "modalities[]": "Way of working %d",
	"regions": "Regions", "regions[]": "Region %d",
	"qualifications": "Qualifications", "qualifications[].kind": "Qualification %d",
	"qualifications[].reference": "Reference of qualification %d", "qualifications[].awarded": "Date qualification %d was awarded",
	"qualifications[].expires": "Expiry date of qualification %d",
	"training":                 "Training", "training[].kind": "Training course %d", "training[].completed": "Date course %d was completed",
	"training[].expires": "Expiry date of course %d",
	"clearance.level":    "Clearance level", "clearance.certificate": "Certificate number", "clearance.issued": "Date the certificate was issued",
	"clearance.validUntil": "Date the clearance is valid until", "agreements.confidentialitySigned": "Date the confidentiality agreement was signed",
	"communityLinks": "Community links", "communityLinks[].kind": "Kind of community link %d", "communityLinks[].value": "Community link %d",
	"experience.childInterviews": "Interviews with children", "experience.traffickingCases": "Trafficking cases",
	"experience.years": "Years interpreting",
}

// linkKinds are the community link kinds in words.
var linkKinds = map[data.CommunityLinkKind]string{
	data.LinkCountry: "Country", data.LinkRegion: "Region", data.LinkTown: "Town", data.LinkFamily: "Family",
	data.LinkPlaceOfWorship: "Place of worship", data.LinkOrganisation: "Organisation", data.LinkCase: "Case",
}

func linkKind(k data.CommunityLinkKind) string {
	if w, ok := linkKinds[k]; ok {
		return w
	}
	return string(k)
}

// LinkKind names a community link kind in words.
func (f interpreterForm) LinkKind(k data.CommunityLinkKind) string { return linkKind(k) }
