-- The recipe or method a run follows (issue #17, live deviation): it selects the run's specification limits and
-- golden envelope while the run is open, and is its report's recipe unless the issuer states another. A booking
-- may state one (customers know what they will run); runs its run condition opens inherit it. NULL: none stated.
ALTER TABLE runs ADD COLUMN recipe TEXT;
ALTER TABLE bookings ADD COLUMN recipe TEXT;
