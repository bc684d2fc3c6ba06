-- A resident may say which building they live in (/building), so that staff can announce to one building
-- (a water cut in 3栋). An announcement to a building keeps it in broadcasts.building (audience 'residents').
ALTER TABLE users ADD COLUMN building TEXT;
CREATE INDEX users_building ON users(community_id, building) WHERE building IS NOT NULL;
ALTER TABLE broadcasts ADD COLUMN building TEXT;
