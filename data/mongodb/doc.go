// Package mongodb is tolk's production store: MongoDB through
// go.mongodb.org/mongo-driver/v2. It relies only on what MongoDB replica
// sets, Atlas, DocumentDB, Cosmos DB and FerretDB all serve: equality and
// range filters on dotted paths (a range also matches array elements), $in,
// $or, sorts, unique indexes, and writes that need to be atomic only within
// one document. No transactions, TTL indexes, change streams, $elemMatch or
// aggregation. Writes are acknowledged by a majority with journaling unless
// the URI says otherwise.
//
// The collections: users, audit (insert-only), interpreters, cases,
// bookings, schedules (one per interpreter with bookings: see Bookings
// below), offers, offerClaims (each offer's ledger of versions,
// insert-only: see Offers below), caseClaims (each case's ledger of the
// bookings and offers judged one interview, one interpreter; insert-only:
// see caseslot.go), messages (the outbox) and messageClaims
// (each message's ledger of versions, insert-only: see Outbox below),
// transfers (each a dependent record of its sending case: see transfers.go),
// feeds, sessions, touches (a session's activity, only ever inserted and
// deleted: see sessions.go) and locks (the changes in flight). Every query
// is answered from an index created by Open.
//
// # Versioned writes
//
// Every change of a record (a create, an update) goes through one
// mechanism, in locks.go, outbox.go and finish.go, generic over the
// record's collection and document type, and lands with the data.Change
// that describes it:
//
//  1. The writer reads the record (version n, or none for a create), checks
//     what it must, and builds the complete new document at version n+1 (1
//     for a create) and its outbox: the documents that land with it. The
//     Change's documents always, last (changeOutbox is the one function
//     that builds them: its messages, then every audit entry, in order,
//     the last of them the outbox's last document); before them, dependent
//     records: records that change only under this record's lock (a
//     booking under its interpreter's schedule), inserted or replaced at
//     their next version like the record itself. An ID the outbox would
//     insert that is already taken refuses the change, but for a
//     message's: that is the same message (see Outbox).
//  2. It inserts a lock into the locks collection, holding the new document,
//     the outbox, the version, a random token and the time. A unique index on
//     the lock's key, "<collection>/<record id>", admits one lock per record.
//     An insert against a unique index is atomic on every server, and this
//     one is the commit point. A writer that finds another lock in the way
//     waits for it to go, then loses if the record has moved, or tries
//     again if it has not (that lock was void).
//  3. The writer lands its lock at once, on a context detached from the
//     request's with a limit of its own (landTimeout), so that a request
//     that times out after its commit point still has its change landed now.
//     Landing writes the document (an insert for a create, otherwise
//     ReplaceOne with the filter {_id, version < n+1}) and, if the record
//     then carries the lock's token, writes the outbox in order (a
//     duplicate key means an earlier landing did, and so does a dependent
//     record carrying the lock's token) and deletes the lock. If the record
//     is at n+1 or later under another token, the lock is void: its writer
//     read a version that another change had replaced. It is deleted,
//     nothing of it lands, and its writer loses: an update reads again and
//     calls its function again (see Update functions below), a create gets
//     data.ErrDuplicate. If the
//     server refuses the document for a unique index (a taken email or key
//     hash; FerretDB reports that inside an update as an InternalError), the
//     lock is deleted and its writer gets data.ErrDuplicate. A dependent
//     record that is not where its writer read it (its ID taken by another
//     record, or a later version there) refuses the rest of the outbox: the
//     lock is deleted, and its writer gets data.ErrDuplicate or starts
//     again. Any other error leaves the lock.
//  4. Readers leave a lock alone while its writer may be at work: they see
//     the record as it was, and the change shows once it has landed, before
//     its writer returns. Anyone deletes a void lock at once. A lock older
//     than Store.LockTimeout was left by a writer that died, and is landed
//     for it by the next point read of the record (which looks up the
//     record's lock by key), listing or look-up by a secondary key (which
//     first looks at every lock of its collection: one per change in flight,
//     so almost never any) or writer of the record. These finishers take
//     turns: a turn is claimed by inserting a unique claim, and the next turn
//     may be claimed LockTimeout later.
//
// So no reader sees a change before it has landed, and a change lands with
// its Change: the outbox goes in after the record and before the lock is
// deleted, and a landing that stops in between is finished by the next.
// A writer that died after its commit point holds up further changes of
// its record for up to LockTimeout; readers are never held up.
//
// Landings of one lock take turns because of FerretDB. On MongoDB the
// filtered ReplaceOne is atomic, so landings could overlap freely. FerretDB
// 1.24 runs an update's filter as a query and then writes by _id: of two
// overlapping landings, the later could write its version back over a newer
// one that landed in between (this package's contention test saw it happen
// while every reader landed locks). With one landing at a time and versions
// that only grow, that takes a landing that outlasts its turn, which the
// time limits rule out. Locks are stamped and aged on the database server's
// clock (clock.go), so instances whose own clocks disagree, even by ten
// minutes (TestLockAgeOnTheDatabaseClock), neither take a live writer's
// lock early nor leave a dead writer's lock late.
//
// A lock is deleted once landed, void or refused, and a dead writer's claims
// once its lock has landed, so the locks collection holds about one document
// per change in flight. A lock's _id is its key and its token, so that
// deleting it by _id cannot delete a later lock of the same record (FerretDB
// runs a filtered delete as a query followed by a delete by _id).
//
// Records keep the token of the change that last landed them (lockToken).
// Users keep a version, which data.User does not show; Open gives version 1
// to users stored before users had versions.
//
// # Update functions
//
// Versioned records change only through update functions (data.Update),
// all through one loop in update.go, generic over the record type: read
// the record (step 1, landing a dead writer's lock first), call the
// function with it, check what it returns (the record's CheckUpdate, the
// Change's Check), commit at the version read + 1 (steps 2 and 3). When
// the commit finds the record moved (another change landed between the
// read and the commit), the loop reads again and calls the function again,
// so the function's rule holds for the record it replaces. The function's
// errors end the loop as they are; data.ErrNoChange ends it with the record
// as read and nothing written. Within one instance, writers of one record
// take turns (turns.go), so a writer loses only to other instances; after
// changeAttempts losses it gives up with data.ErrConflict (update.go says
// why that many). Sessions end through the same loop.
//
// A change that touches no record (AppendChange) is one insert when it is
// one document; a change of several lands through a lock as the create of
// its first audit entry, the others its outbox, so they land together.
//
// # Bookings
//
// Of two bookings of one interpreter that Block each other, at most one may
// be confirmed, whichever instances write them. Every change of a booking
// is a versioned write, through the mechanism above, of its interpreter's
// schedule: a document holding nothing but a version, created by the
// interpreter's first booking. The booking lands as a dependent record of
// that change, so all changes of one interpreter's bookings are serialised
// by one lock key. A writer reads the schedule's version and then finds no
// lock of it (so every change up to that version has landed its booking),
// reads the booking it updates and calls the update function with it,
// reads the bookings it checks off the index on (interpreterId, status,
// start, _id), and commits the schedule's next version; if another change
// of the interpreter landed meanwhile, its lock is void and it goes round
// the update loop again: reads, calls the function and checks again, a
// bounded number of times (then data.ErrConflict). Within one instance,
// writers of one interpreter also take turns, which saves them from losing
// to each other; it is not what the guarantee rests on.
// bookings.go says why this is enough, and why the order of the first
// reads matters.
//
// Readers of bookings (Booking, ListBookings, CaseSittings,
// ConfirmedBookings) first land the schedule changes of writers that died,
// like listings of other collections. Listings page by (start, _id) with
// an opaque cursor.
//
// # Offers
//
// Of any number of acceptances of one offer, through any number of
// instances, exactly one lands its booking, and an acceptance also races
// the offer's declines, cancellation and expiry. An acceptance must be
// checked for overlaps under its interpreter's schedule lock, as any
// booking is, while the other changes concern the offer alone; so an offer
// changes under several lock keys, which cannot serialise each other, and
// two changes under different keys must not both replace it (FerretDB's
// filtered ReplaceOne could write an older version back). Hence a ledger:
// every change of an offer to version n first inserts the entry
// "<offer>#n" into offerClaims, whose entries are never changed or
// deleted. A unique _id insert is atomic on every server, so exactly one
// change holds each entry, and only it writes version n of the offer.
//
//   - UpdateOffer (decline, cancel, expiry) commits a lock whose record is
//     the entry itself (created at version 1), with the offer at version n
//     as a dependent record and the change.
//   - FillOffer commits, after the overlap check, the interpreter's
//     schedule at its next version, whose outbox carries in order the entry
//     (an insert that, found taken, refuses the rest and loses the race:
//     errStale, not data.ErrDuplicate), the booking, the offer at version
//     n, and the change. Accepting costs one durable write, like a booking.
//
// Why it is enough: only a writer that read version n-1 inserts entry n,
// and the entries are permanent, so every version is written by one
// change, built on the version before; a writer of n+1 reads n only once
// it has landed, so at most one landing writes the offer at a time, and
// landings of one lock take turns. The entry lands before anything else
// of the acceptance and, once it is held, the rest lands too (its booking
// ID is checked free just before the entry goes in; a dead writer's rest
// is landed by finishers as any lock). The booking lands before the offer,
// so a reader who sees an offer filled finds its booking. A slow writer
// whose change a finisher landed, with later versions since, is told it
// landed: only it could have written its version.
//
// A writer that loses the entry goes round the update loop: it reads the
// offer again and calls its function, which refuses (offer_closed) or
// decides again; an acceptance whose schedule lock is void (another
// booking of the interpreter landed) checks again; an acceptance that
// finds a booking in the way while the offer has moved since its read goes
// round too, so that losing to another acceptance is offer_closed, not an
// overlap. The attempts are bounded by changeAttempts.
//
// Every lock of a change of an offer names the offer (an indexed field),
// so writers read the offer and then wait until no change of it is in
// flight (landing a dead writer's), deciding on a version whose change has
// wholly landed; readers (Offer, ListOffers, DueOffers) first land the
// changes writers left behind, as readers of bookings do. Listings read
// one index each: (organisation[, caseId][, status], _id), or, by
// interpreter, an equality on inviteeKeys, an array of strings naming the
// interpreter with either status, both or neither (no $elemMatch); the
// expirer's DueOffers reads (due, _id), due stored only for an open offer
// with a pending invitation.
//
// An invitation's single-use link finds its offer (OfferByToken) by an
// equality on tokenHashes, an array of the offer's invitations' token
// hashes derived on every write, under a multikey index.
//
// # Outbox
//
// A message lands with the change that causes it: its document, at
// version 1, is in the change's outbox before the audit entries, which
// stay last as the sign that the outbox landed, and it is inserted once:
// a message whose ID is taken is the same message (IDs derived from what
// a message is about make scheduled work idempotent), left as it is, and
// the change lands, as an audit entry already there does at a second
// landing. So a change that touches no record (AppendChange) locks its
// first audit entry, never a message, whose ID may be taken. Every lock
// names the messages it carries (an indexed array), and the readers of
// the outbox (ClaimDue, ListMessages, Message) first land the changes
// whose writers died after their commit point, so a crash between a
// change and its sending loses nothing.
//
// Once landed, a message changes only by versions: a claim (leased to a
// holder until the caller's now plus the lease), a mark (sent or
// superseded, failed or dead; the lease ends) and a coordinator's update.
// Version n is written only by the writer that inserted the entry
// "<message>#<n>" into messageClaims, the message's ledger, and that
// writer decided on version n-1; entries hold the message at their version
// and are never changed or deleted. A claim or a mark is two writes, the
// entry and then the message's document (messages.go), a deliverer's
// batch of sent messages (SettleSent) two bulk writes in which each entry
// is still taken or lost on its own, and a poll that finds nothing due is
// two queries; an update commits a lock whose record
// is the entry, with the document as a dependent record and its change,
// as UpdateOffer does.
//
// Why a ledger. A claim cannot be a filtered update (where ready <= now,
// set the holder): FerretDB 1.24 runs one as a query and then a write by _id,
// so two claimers could both match one message and both be told they
// hold it. The record lock alone would serialise a message's changes, at
// three writes a claim, but what it guarantees rests on the document,
// which on FerretDB a landing slower than LockTimeout can write back to an
// older version; what the ledger guarantees rests on unique inserts alone,
// which are atomic on every server.
//
// Why it is enough. Exactly one writer inserts each entry, and the
// document at version n only ever holds version n (it is written only from
// entry n, or as the change landed it), so the versions of a message form
// one line, each decided on the one before. A claim of version n is
// decided only on a version n-1 that is pending, due and not leased at
// the claimer's now (LeaseUntil at or before it), so a lease in force is
// never claimed over; a mark only on a version n-1 that is pending and
// leased to the marker, whether or not the lease has run out. So a holder
// slow past its lease that nobody overtook still settles its attempt
// (it did try to send), while one that another claimer overtook gets
// data.ErrConflict and writes nothing: its mark and that claim were both
// decided on the same version and only one took the next entry; and the
// new holder's result is never overwritten, since a mark needs the lease
// the claim moved. A writer paused between its entry and its document
// cannot break this either: its entry decided, and if its late write puts
// an older version back over a newer one (FerretDB), the document is
// behind its ledger: a decision on it loses its insert, never makes a
// second holder.
//
// The document, which ClaimDue's and the listings' indexes serve, is
// behind its ledger between a writer's two writes, or until someone
// writes the entry for a writer that died between them. A writer deciding
// on the message waits while the next entry may still be written by its
// own writer (younger than LockTimeout, as for locks), then writes it to
// the document itself; ClaimDue skips a message whose entry it lost, and
// writes that entry to the document once it is LockTimeout old; Message
// does the same, and shows the document as it stands before. A claim or a
// mark that stopped halfway leaves its message looking pending (due, or
// leased until its lease ends), so the next claims that reach it bring it
// up; a stopped update is a lock, landed by finishers.
//
// Clocks. Leases are compared with the now the deliverer passes: its
// clock, not the server's nor the store's. A deliverer whose clock runs
// ahead of another's by d finds that one's leases ending d early and may
// claim a message its holder is still sending: the store still has one
// holder per version (the overtaken holder's mark gets data.ErrConflict),
// but the message may go out twice, recognisable by its one Message-ID;
// a deliverer whose clock lags holds back d longer. So a lease must
// outlast a delivery attempt plus the skew between instances. Entries'
// ages are measured on the database's clock, as locks' are.
//
// The indexes: ready (stored only for a pending message: the latest of its
// due time, next attempt and lease end) with _id, earliest first, for
// ClaimDue; (organisation[, bookingId | offerId][, status], _id), newest
// first, for ListMessages, a query naming both a booking and an offer
// checking the offer on the booking's few messages. Entries are found by
// _id only; they stay (a few per delivery attempt), as offers' do.
//
// A user is linked to an interpreter record by a unique sparse index on
// users.interpreterId. FerretDB 1.24 ignores "sparse" but never holds a
// missing field in a unique index, which comes to the same. Users are
// listed by organisation, and by role in one organisation or in every one,
// off (organisation, _id), (organisation, role, _id) and (role, _id).
package mongodb
