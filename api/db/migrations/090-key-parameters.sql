-- Key parameters shown on the board per equipment (issue #15): a JSON array of parameter ids in display order;
-- NULL keeps the default rule (the first five numeric parameters of the birth).
ALTER TABLE equipment ADD COLUMN key_parameters TEXT;
