-- The views other services read of people project columns and filter no rows: a security barrier
-- protects nothing there (every row is the reader's to see; what it must not see is the columns
-- left out), and it stops the planner from joining through the view by index. A referral read
-- joined to referral_contacts scanned every person for each referral. Without the barrier the view
-- is flattened into the query and joined by the people's primary key.
ALTER VIEW registry.referral_contacts SET (security_barrier = false);
ALTER VIEW registry.treatment_people SET (security_barrier = false);
