-- How far ahead each piece of equipment may be booked (issue #12 "no booking horizon": a booking in year 9999 was
-- accepted). One year unless an admin sets otherwise.
ALTER TABLE equipment ADD COLUMN booking_horizon_days INTEGER NOT NULL DEFAULT 365;
