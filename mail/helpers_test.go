package mail

import (
	"testing"
	"time"

	"github.com/tolk/tolk/calendar"
	"github.com/tolk/tolk/data"
)

// The fixtures: an ABE police interview on 10 June 2026, 09:00 to 11:00
// UTC, booked on 1 June; its invitation, its cancellation and a plain
// message, composed on 2 June.
var (
	testNow  = time.Date(2026, 6, 2, 8, 0, 0, 0, time.UTC)
	testFrom = "Tolk bookings <tolk@council.example>"

	socialWorker = calendar.Person{Name: "Sam Okafor", Email: "sam.okafor@lambeth.example"}
	interpreter  = calendar.Person{Name: "Dilan Ahmed", Email: "dilan.ahmed@example.org"}
)

// booking returns the confirmed booking the fixtures are about.
func booking() data.Booking {
	start := time.Date(2026, 6, 10, 9, 0, 0, 0, time.UTC)
	return data.Booking{
		ID:            "0k2v8a1b2c3d4e5f6g7h8i9j0k",
		Organisation:  "lambeth",
		CaseID:        "case-1",
		CaseReference: "NR-2026-0042",
		InterpreterID: "int-1",
		BookedBy:      "user-1",
		Start:         start,
		End:           start.Add(2 * time.Hour),
		InterviewType: data.InterviewABEPolice,
		Modality:      data.ModalityInPerson,
		Region:        "GB-LND",
		Location:      "Lambeth Child Advocacy Centre, 1 Example Road, London SE11 5AA",
		Status:        data.BookingConfirmed,
		Version:       1,
		CreatedAt:     time.Date(2026, 6, 1, 13, 30, 0, 0, time.UTC),
		UpdatedAt:     time.Date(2026, 6, 1, 13, 30, 0, 0, time.UTC),
	}
}

// invite returns the calendar package's invitation for b to attendee.
func invite(t *testing.T, b data.Booking, attendee calendar.Person) []byte {
	t.Helper()
	cal, err := calendar.Invite(b, socialWorker, attendee, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

// requestMessage is the booking's iMIP invitation to the interpreter.
func requestMessage(t *testing.T) data.Message {
	return data.Message{
		ID:            "0k2v8a1b2c3d4e5f6g7h8i9j0m",
		Kind:          data.MessageBookingRequest,
		Organisation:  "lambeth",
		RecipientRole: data.RoleInterpreter,
		To:            interpreter.Email,
		ToName:        interpreter.Name,
		Subject:       "Booking confirmed: ABE interview, Wednesday 10 June 2026, 10:00",
		Text: "Dear Dilan,\n\nYou are booked to interpret an ABE interview on Wednesday 10 June 2026 " +
			"from 10:00–12:00 at Lambeth Child Advocacy Centre.\n\nArrive at 09:30 for the briefing. " +
			"Never be alone with the child.\n",
		HTML: "<p>Dear Dilan,</p>\n<p>You are booked to interpret an <b>ABE interview</b> on " +
			"Wednesday 10 June 2026 from 10:00 to 12:00.</p>\n",
		Calendar:       invite(t, booking(), interpreter),
		CalendarMethod: "REQUEST",
		BookingID:      booking().ID,
		Due:            testNow,
		Status:         data.MessageQueued,
		CreatedAt:      testNow,
	}
}

// cancelMessage is the booking's iMIP cancellation: the same UID, SEQUENCE
// raised.
func cancelMessage(t *testing.T) data.Message {
	b := booking()
	b.Status = data.BookingCancelled
	b.Sequence++
	b.Version++
	b.UpdatedAt = b.UpdatedAt.Add(time.Hour)
	return data.Message{
		ID:             "0k2v8a1b2c3d4e5f6g7h8i9j0n",
		Kind:           data.MessageBookingCancel,
		Organisation:   "lambeth",
		RecipientRole:  data.RoleInterpreter,
		To:             interpreter.Email,
		ToName:         interpreter.Name,
		Subject:        "Cancelled: ABE interview, Wednesday 10 June 2026, 10:00",
		Text:           "Dear Dilan,\n\nThe ABE interview on Wednesday 10 June 2026 at 10:00 is cancelled.\n",
		HTML:           "<p>Dear Dilan,</p>\n<p>The ABE interview on Wednesday 10 June 2026 at 10:00 is cancelled.</p>\n",
		Calendar:       invite(t, b, interpreter),
		CalendarMethod: "CANCEL",
		BookingID:      b.ID,
		Due:            testNow,
		Status:         data.MessageQueued,
		CreatedAt:      testNow,
	}
}

// plainMessage is a message without a calendar or HTML: an "accepted"
// notice to the social worker, in ASCII.
func plainMessage() data.Message {
	return data.Message{
		ID:            "0k2v8a1b2c3d4e5f6g7h8i9j0p",
		Kind:          data.MessageOfferAccepted,
		Organisation:  "lambeth",
		RecipientRole: data.RoleSocialWorker,
		To:            socialWorker.Email,
		ToName:        socialWorker.Name,
		Subject:       "Accepted: ABE interview on 10 June 2026 (NR-2026-0042)",
		Text:          "An interpreter accepted the ABE interview on 10 June 2026 at 10:00.\n\n.\nA line with a dot.\n",
		Due:           testNow,
		Status:        data.MessageQueued,
		CreatedAt:     testNow,
	}
}

// fixedClock is a Config clock reading testNow.
func fixedClock() time.Time { return testNow }

// compose is Compose with the fixtures' sender and clock.
func compose(t *testing.T, m data.Message) []byte {
	t.Helper()
	raw, err := Compose(m, testFrom, testNow)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	return raw
}
