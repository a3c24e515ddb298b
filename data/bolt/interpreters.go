package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/tolk/tolk/data"
)

type interpreterRecord struct {
	ID                    string                `json:"id"`
	Name                  string                `json:"name"`
	Email                 string                `json:"email"`
	Phone                 string                `json:"phone,omitempty"`
	Gender                string                `json:"gender"`
	Languages             []languageRecord      `json:"languages"`
	LanguageKeys          []string              `json:"languageKeys"` // derived: see data.LanguageKeys
	Modalities            []string              `json:"modalities,omitempty"`
	Regions               []string              `json:"regions,omitempty"`
	Qualifications        []qualificationRecord `json:"qualifications,omitempty"`
	Training              []trainingRecord      `json:"training,omitempty"`
	Clearance             clearanceRecord       `json:"clearance"`
	ConfidentialitySigned string                `json:"confidentialitySigned,omitempty"`
	CommunityLinks        []linkRecord          `json:"communityLinks,omitempty"`
	Experience            experienceRecord      `json:"experience"`
	Vetting               vettingRecord         `json:"vetting"`
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
		LanguageKeys: in.LanguageKeys(), Regions: in.Regions,
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

// CreateInterpreter stores a new record.
func (s *Store) CreateInterpreter(ctx context.Context, in data.Interpreter) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInterpreters)
		if b.Get([]byte(in.ID)) != nil {
			return fmt.Errorf("interpreter %s: %w", in.ID, data.ErrDuplicate)
		}
		return put(b, in.ID, fromInterpreter(in))
	})
}

// Interpreter returns the record with this ID.
func (s *Store) Interpreter(ctx context.Context, id string) (data.Interpreter, error) {
	var in data.Interpreter
	err := s.view(ctx, func(tx *bolt.Tx) error {
		rec, err := get[interpreterRecord](tx.Bucket(bucketInterpreters), id)
		in = rec.toInterpreter()
		return err
	})
	return in, err
}

// UpdateInterpreter compares versions and writes in one transaction; bbolt
// serialises writers, so of two with the same version one sees the other's write.
func (s *Store) UpdateInterpreter(ctx context.Context, in data.Interpreter) (data.Interpreter, error) {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketInterpreters)
		cur, err := get[interpreterRecord](b, in.ID)
		if err != nil {
			return err
		}
		if cur.Version != in.Version {
			return fmt.Errorf("interpreter %s at version %d, not %d: %w", in.ID, cur.Version, in.Version, data.ErrConflict)
		}
		in.Version++
		return put(b, in.ID, fromInterpreter(in))
	})
	if err != nil {
		return data.Interpreter{}, err
	}
	return fromInterpreter(in).toInterpreter(), nil
}

// ListInterpreters walks the bucket in ID order from the cursor. The embedded
// store has no secondary index: it filters on the stored language keys and
// status as it walks, which suits the hundreds to low thousands of records
// one organisation keeps.
func (s *Store) ListInterpreters(ctx context.Context, q data.InterpreterQuery) (data.Page[data.Interpreter], error) {
	limit := data.PageSize(q.Limit)
	var page data.Page[data.Interpreter]
	err := s.view(ctx, func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketInterpreters).Cursor()
		k, v := c.First()
		if q.After != "" {
			k, v = c.Seek([]byte(q.After))
			if k != nil && bytes.Equal(k, []byte(q.After)) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			var r interpreterRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode interpreter %s: %w", k, err)
			}
			if (q.Status != "" && r.Vetting.Status != string(q.Status)) ||
				(q.LanguageKey != "" && !slices.Contains(r.LanguageKeys, q.LanguageKey)) {
				continue
			}
			if len(page.Items) == limit {
				page.Next = page.Items[limit-1].ID
				return nil
			}
			page.Items = append(page.Items, r.toInterpreter())
		}
		return nil
	})
	return page, err
}
