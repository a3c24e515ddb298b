package mongodb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/tolk/tolk/data"
)

type interpreterDocument struct {
	ID             string                  `bson:"_id"`
	Name           string                  `bson:"name"`
	Email          string                  `bson:"email"`
	Phone          string                  `bson:"phone,omitempty"`
	Gender         string                  `bson:"gender"`
	Languages      []languageDocument      `bson:"languages"`
	LanguageKeys   []string                `bson:"languageKeys"` // derived, indexed: see data.LanguageKeys
	Modalities     []string                `bson:"modalities"`
	Regions        []string                `bson:"regions"`
	Qualifications []qualificationDocument `bson:"qualifications"`
	Training       []trainingDocument      `bson:"training"`
	Clearance      clearanceDocument       `bson:"clearance"`
	Agreements     agreementsDocument      `bson:"agreements"`
	CommunityLinks []linkDocument          `bson:"communityLinks"`
	Experience     experienceDocument      `bson:"experience"`
	Vetting        vettingDocument         `bson:"vetting"`
	Version        int64                   `bson:"version"`
	CreatedAt      time.Time               `bson:"createdAt"`
	UpdatedAt      time.Time               `bson:"updatedAt"`
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

func fromInterpreter(in data.Interpreter) interpreterDocument {
	d := interpreterDocument{
		ID: in.ID, Name: in.Name, Email: in.Email, Phone: in.Phone, Gender: string(in.Gender),
		LanguageKeys: in.LanguageKeys(), Regions: in.Regions,
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

// CreateInterpreter inserts a new record.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter) error {
	_, err := s.interpreters.InsertOne(ctx, fromInterpreter(in))
	return translate(err, "interpreter")
}

// Interpreter returns the record with this ID.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var d interpreterDocument
	if err := s.interpreters.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		return data.Interpreter{}, translate(err, "interpreter")
	}
	return d.toInterpreter(), nil
}

// revisionDocument claims one version of one interpreter record. Its _id,
// "<interpreterId>@<version>", is unique, and an insert against a unique
// index is the one write every server applies atomically (FerretDB 1.24
// evaluates an update's filter and its write separately, so a versioned
// filter alone would let two writers win). Whoever inserts the claim for
// version N+1 is the only writer of version N+1. Pending holds the record
// until it has landed in the interpreters collection, so a writer that dies
// between claim and write can be rolled forward by the next one. Claims stay
// (without content) so no version is ever claimed twice.
type revisionDocument struct {
	ID            string               `bson:"_id"`
	InterpreterID string               `bson:"interpreterId"`
	Version       int64                `bson:"version"`
	At            time.Time            `bson:"at"`
	Pending       *interpreterDocument `bson:"pending,omitempty"`
}

func revisionID(id string, version int64) string { return fmt.Sprintf("%s@%d", id, version) }

// UpdateInterpreter claims version in.Version+1 and, holding the claim,
// writes the record.
func (s *Store) UpdateInterpreter(ctx context.Context, in data.Interpreter) (data.Interpreter, error) {
	cur, err := s.Interpreter(ctx, in.ID)
	if err != nil {
		return data.Interpreter{}, err
	}
	expected := in.Version
	if cur.Version != expected {
		return data.Interpreter{}, fmt.Errorf("interpreter %s at version %d, not %d: %w", in.ID, cur.Version, expected, data.ErrConflict)
	}
	in.Version++
	doc := fromInterpreter(in)
	_, err = s.revisions.InsertOne(ctx, revisionDocument{
		ID: revisionID(in.ID, in.Version), InterpreterID: in.ID, Version: in.Version,
		At: data.Timestamp(time.Now()), Pending: &doc,
	})
	if mongo.IsDuplicateKeyError(err) {
		if rerr := s.rollForward(ctx, in.ID); rerr != nil {
			return data.Interpreter{}, rerr
		}
		return data.Interpreter{}, fmt.Errorf("interpreter %s version %d already claimed: %w", in.ID, in.Version, data.ErrConflict)
	}
	if err != nil {
		return data.Interpreter{}, translate(err, "interpreter revision")
	}
	if err := s.land(ctx, doc); err != nil {
		return data.Interpreter{}, err
	}
	return doc.toInterpreter(), nil
}

// land writes a claimed version into the interpreters collection unless a
// later version is already there, then drops the claim's content.
func (s *Store) land(ctx context.Context, doc interpreterDocument) error {
	_, err := s.interpreters.ReplaceOne(ctx,
		bson.D{{Key: "_id", Value: doc.ID}, {Key: "version", Value: bson.D{{Key: "$lt", Value: doc.Version}}}}, doc)
	if err != nil {
		return translate(err, "interpreter")
	}
	_, err = s.revisions.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: revisionID(doc.ID, doc.Version)}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "pending", Value: ""}}}})
	return translate(err, "interpreter revision")
}

// rollForward lands the newest claimed version of a record if its writer
// left it pending for longer than any request may run (ClaimTimeout): that
// writer has died between claim and write. Fresher claims belong to writers
// still at work and are left to them.
func (s *Store) rollForward(ctx context.Context, id string) error {
	var rev revisionDocument
	err := s.revisions.FindOne(ctx, bson.D{{Key: "interpreterId", Value: id}},
		options.FindOne().SetSort(bson.D{{Key: "version", Value: -1}})).Decode(&rev)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return translate(err, "interpreter revision")
	}
	if rev.Pending == nil || time.Since(rev.At) < s.ClaimTimeout {
		return nil
	}
	return s.land(ctx, *rev.Pending)
}

// ListInterpreters filters on the indexed languageKeys array and vetting status.
func (s *Store) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	filter := bson.D{}
	if q.LanguageKey != "" {
		filter = append(filter, bson.E{Key: "languageKeys", Value: q.LanguageKey})
	}
	if q.Status != "" {
		filter = append(filter, bson.E{Key: "vetting.status", Value: string(q.Status)})
	}
	if q.After != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: q.After}}})
	}
	return findPage(ctx, s.interpreters, filter, 1, data.PageSize(q.Limit),
		interpreterDocument.toInterpreter,
		func(in data.Interpreter) string { return in.ID })
}
