package bolt

import (
	"encoding/json"
	"time"

	"github.com/tolk/tolk/data"
)

// offerRecord is an offer as the offers bucket stores it, in JSON. It
// holds no derived fields: index keys come from offerIndexes.
type offerRecord struct {
	ID            string        `json:"id"`
	Organisation  string        `json:"organisation"`
	CaseID        string        `json:"caseId"`
	CaseReference string        `json:"caseReference,omitempty"`
	CreatedBy     string        `json:"createdBy,omitempty"`
	Start         string        `json:"start"`
	End           string        `json:"end"`
	InterviewType string        `json:"interviewType"`
	Modality      string        `json:"modality"`
	Region        string        `json:"region,omitempty"`
	Location      string        `json:"location,omitempty"`
	JoinDetails   string        `json:"joinDetails,omitempty"`
	Safety        *safetyRecord `json:"safety,omitempty"`
	Mode          string        `json:"mode"`
	Additional    bool          `json:"additional,omitempty"`
	// RespondWithinNs is how long an invitation stays open, in
	// nanoseconds, exactly as given.
	RespondWithinNs int64              `json:"respondWithinNs"`
	Status          string             `json:"status"`
	Invitations     []invitationRecord `json:"invitations"`
	BookingID       string             `json:"bookingId,omitempty"`
	CancelReason    string             `json:"cancelReason,omitempty"`
	Code            string             `json:"code,omitempty"`
	Anonymised      string             `json:"anonymised,omitempty"`
	Version         int64              `json:"version"`
	CreatedAt       string             `json:"createdAt"`
	UpdatedAt       string             `json:"updatedAt"`
}

type invitationRecord struct {
	InterpreterID string         `json:"interpreterId"`
	Status        string         `json:"status"`
	Asked         string         `json:"asked,omitempty"`
	RespondBy     string         `json:"respondBy,omitempty"`
	Answered      string         `json:"answered,omitempty"`
	Decline       string         `json:"decline,omitempty"`
	Reasons       []reasonRecord `json:"reasons,omitempty"`
	TokenHash     string         `json:"tokenHash,omitempty"`
}

func fromOffer(o data.Offer) offerRecord {
	r := offerRecord{
		ID: o.ID, Organisation: o.Organisation, CaseID: o.CaseID, CaseReference: o.CaseReference, CreatedBy: o.CreatedBy,
		Start: encodeTime(o.Start), End: encodeTime(o.End),
		InterviewType: string(o.InterviewType), Modality: string(o.Modality), Region: o.Region, Location: o.Location, JoinDetails: o.JoinDetails, Safety: fromSafety(o.Safety),
		Mode: string(o.Mode), Additional: o.Additional, RespondWithinNs: int64(o.RespondWithin), Status: string(o.Status),
		BookingID: o.BookingID, CancelReason: o.CancelReason, Code: string(o.Code), Anonymised: encodeTime(o.Anonymised),
		Version: o.Version, CreatedAt: encodeTime(o.CreatedAt), UpdatedAt: encodeTime(o.UpdatedAt),
	}
	for _, inv := range o.Invitations {
		ir := invitationRecord{
			InterpreterID: inv.InterpreterID, Status: string(inv.Status),
			Asked: encodeTime(inv.Asked), RespondBy: encodeTime(inv.RespondBy), Answered: encodeTime(inv.Answered),
			Decline: string(inv.Decline), TokenHash: inv.TokenHash,
		}
		for _, reason := range inv.Reasons {
			ir.Reasons = append(ir.Reasons, reasonRecord(reason))
		}
		r.Invitations = append(r.Invitations, ir)
	}
	return r
}

func (r offerRecord) toOffer() data.Offer {
	o := data.Offer{
		ID: r.ID, Organisation: r.Organisation, CaseID: r.CaseID, CaseReference: r.CaseReference, CreatedBy: r.CreatedBy,
		Start: decodeTime(r.Start), End: decodeTime(r.End),
		InterviewType: data.InterviewType(r.InterviewType), Modality: data.Modality(r.Modality),
		Region: r.Region, Location: r.Location, JoinDetails: r.JoinDetails, Safety: r.Safety.toSafety(),
		Mode: data.OfferMode(r.Mode), Additional: r.Additional, RespondWithin: time.Duration(r.RespondWithinNs), Status: data.OfferStatus(r.Status),
		BookingID: r.BookingID, CancelReason: r.CancelReason, Code: data.OutcomeCode(r.Code), Anonymised: decodeTime(r.Anonymised),
		Version: r.Version, CreatedAt: decodeTime(r.CreatedAt), UpdatedAt: decodeTime(r.UpdatedAt),
	}
	for _, ir := range r.Invitations {
		inv := data.Invitation{
			InterpreterID: ir.InterpreterID, Status: data.InvitationStatus(ir.Status),
			Asked: decodeTime(ir.Asked), RespondBy: decodeTime(ir.RespondBy), Answered: decodeTime(ir.Answered),
			Decline: data.DeclineReason(ir.Decline), TokenHash: ir.TokenHash,
		}
		for _, reason := range ir.Reasons {
			inv.Reasons = append(inv.Reasons, data.Reason(reason))
		}
		o.Invitations = append(o.Invitations, inv)
	}
	return o
}

// storedOffer is o as the store keeps and returns it: times in UTC,
// truncated to the millisecond. Index keys (its due time above all) come
// from this form, so they say exactly what is stored.
func storedOffer(o data.Offer) data.Offer { return fromOffer(o).toOffer() }

// decodeOffer decodes a stored offer. Each call decodes afresh: no two
// callers share a slice.
func decodeOffer(raw []byte) (data.Offer, error) {
	var r offerRecord
	err := json.Unmarshal(raw, &r)
	return r.toOffer(), err
}
