-- A vendor's handle for a call (ComfyUI's prompt_id, a Stability generation id), chosen by
-- darkroom before the call where the vendor takes one, or given by the vendor once it accepted
-- the call: a resume or a takeover asks the vendor by it instead of sending the call again.
ALTER TABLE attempts ADD COLUMN handle TEXT;
-- "May have run" bookings released because the vendor said, by the handle, that the call never
-- reached it: should the fenced process's request arrive after all, its cost is booked again.
ALTER TABLE attempts ADD COLUMN released_n INTEGER NOT NULL DEFAULT 0;
