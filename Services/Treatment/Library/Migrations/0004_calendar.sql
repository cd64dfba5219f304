-- The days that are not what their weekday says, for counting working days (the registration
-- deadline after a positive determination): public holidays falling on weekdays (working = false)
-- and the weekend days the government swaps to working days (working = true). Tết and the Hùng
-- Kings' day follow the lunar calendar, and the swaps each year's announcement: admins enter each
-- year's days (PUT /v1/calendar/{day}) as the government announces them. Seeded with 2025 and the
-- 2026 days known when this was written (to be checked against the government's notice; the
-- second National Day holiday of 2026 is left for an admin to enter).
CREATE TABLE treatment.calendar_days (
    day date PRIMARY KEY,
    working boolean NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    changed_by uuid,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO treatment.calendar_days (day, working, name) VALUES
    ('2025-01-01', false, 'Tết Dương lịch'),
    ('2025-01-27', false, 'Tết Nguyên đán'),
    ('2025-01-28', false, 'Tết Nguyên đán'),
    ('2025-01-29', false, 'Tết Nguyên đán'),
    ('2025-01-30', false, 'Tết Nguyên đán'),
    ('2025-01-31', false, 'Tết Nguyên đán'),
    ('2025-04-07', false, 'Giỗ Tổ Hùng Vương'),
    ('2025-04-26', true, 'Làm bù cho ngày 02/5'),
    ('2025-04-30', false, 'Ngày Giải phóng miền Nam'),
    ('2025-05-01', false, 'Ngày Quốc tế Lao động'),
    ('2025-05-02', false, 'Nghỉ hoán đổi (làm bù 26/4)'),
    ('2025-09-01', false, 'Quốc khánh'),
    ('2025-09-02', false, 'Quốc khánh'),
    ('2026-01-01', false, 'Tết Dương lịch'),
    ('2026-02-16', false, 'Tết Nguyên đán'),
    ('2026-02-17', false, 'Tết Nguyên đán'),
    ('2026-02-18', false, 'Tết Nguyên đán'),
    ('2026-02-19', false, 'Tết Nguyên đán'),
    ('2026-02-20', false, 'Tết Nguyên đán'),
    ('2026-04-27', false, 'Giỗ Tổ Hùng Vương (nghỉ bù, 26/4 là Chủ nhật)'),
    ('2026-04-30', false, 'Ngày Giải phóng miền Nam'),
    ('2026-05-01', false, 'Ngày Quốc tế Lao động'),
    ('2026-09-02', false, 'Quốc khánh');
