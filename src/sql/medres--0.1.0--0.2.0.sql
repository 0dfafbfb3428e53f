-- medres 0.1.0 -> 0.2.0
-- Every change made here is also made in medres--0.2.0.sql, the full install script of 0.2.0;
-- test/upgrade.sh checks that an updated 0.1.0 and a fresh 0.2.0 have the same catalog.
\echo Use "ALTER EXTENSION medres UPDATE TO '0.2.0'" to load this file. \quit

-- Every role may use medres: nothing in it needs more than the caller's own rights (inner
-- SQL runs as the caller, under the caller's row-level security).  Without this, a role
-- other than the one that created the extension got 42501 on schema medres.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

-- ==== catalog comments ====
-- Every object of medres says in one line what it computes, for \df+, \dT+, \da+ and the
-- metadata browsers of BI tools (issue 12 §2), and so does every attribute of the result types
-- (\d+).  Support functions (names starting with _) say which aggregate they serve and that
-- they are not meant to be called directly.  The full
-- install script medres--0.2.0.sql gives each object the same comment next to its definition.

COMMENT ON TYPE @extschema@.lorenz_point IS 'One point of a Lorenz curve: cumulative population share and cumulative resource share (element of the lorenz result)';
COMMENT ON COLUMN @extschema@.lorenz_point.population_share IS 'Cumulative share of the population (weight) of the units with this value or less';
COMMENT ON COLUMN @extschema@.lorenz_point.resource_share IS 'Cumulative share of the resource (value times weight) of the units with this value or less';
COMMENT ON TYPE @extschema@.decomposition_group IS 'One group of a ge_decomposition: rows, population and resource shares, mean, own GE index and its contribution to the within-group part';
COMMENT ON COLUMN @extschema@.decomposition_group.grp IS 'The group';
COMMENT ON COLUMN @extschema@.decomposition_group.n IS 'Rows of the group with a positive weight';
COMMENT ON COLUMN @extschema@.decomposition_group.population_share IS 'P_g, the group''s share of the total weight';
COMMENT ON COLUMN @extschema@.decomposition_group.resource_share IS 'S_g, the group''s share of the total resource';
COMMENT ON COLUMN @extschema@.decomposition_group.mean IS 'mu_g, the group''s weighted mean value';
COMMENT ON COLUMN @extschema@.decomposition_group.index IS 'GE_g, the group''s own GE(alpha) (NULL if all its values are 0)';
COMMENT ON COLUMN @extschema@.decomposition_group.contribution IS 'S_g^alpha P_g^(1 - alpha) GE_g, the group''s part of within';
COMMENT ON COLUMN @extschema@.decomposition_group.contribution_share IS 'contribution / total';
COMMENT ON TYPE @extschema@.decomposition IS 'Result of ge_decomposition: GE(alpha) of all rows split exactly into between-group and within-group parts, their shares, and one decomposition_group per group';
COMMENT ON COLUMN @extschema@.decomposition.alpha IS 'The order alpha of the generalized entropy';
COMMENT ON COLUMN @extschema@.decomposition.total IS 'GE(alpha) of all rows = between + within';
COMMENT ON COLUMN @extschema@.decomposition.between IS 'Between-group component: GE(alpha) of the group means weighted by the groups'' population shares';
COMMENT ON COLUMN @extschema@.decomposition.within IS 'Within-group component: sum of the groups'' contributions';
COMMENT ON COLUMN @extschema@.decomposition.between_share IS 'between / total (NULL when total is 0)';
COMMENT ON COLUMN @extschema@.decomposition.within_share IS 'within / total (NULL when total is 0)';
COMMENT ON COLUMN @extschema@.decomposition.groups IS 'One element per group, ordered by the group text (byte order)';

COMMENT ON FUNCTION @extschema@._theil_t_trans(float8[], float8) IS 'Support function of theil_t: transition, adds a value to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._theil_t_trans(float8[], float8, float8) IS 'Support function of theil_t: transition, adds a weighted value to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._theil_l_trans(float8[], float8) IS 'Support function of theil_l: transition, adds a value to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._theil_l_trans(float8[], float8, float8) IS 'Support function of theil_l: transition, adds a weighted value to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._ge_trans(float8[], float8, float8) IS 'Support function of ge: transition, adds a value (with alpha) to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._ge_trans(float8[], float8, float8, float8) IS 'Support function of ge: transition, adds a weighted value (with alpha) to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._atkinson_trans(float8[], float8, float8) IS 'Support function of atkinson: transition, adds a value (with epsilon) to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._atkinson_trans(float8[], float8, float8, float8) IS 'Support function of atkinson: transition, adds a weighted value (with epsilon) to the float8[] power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._pf_combine(float8[], float8[]) IS 'Support function of theil_t, theil_l, ge and atkinson: combines two partial power-sum states (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._ge_final(float8[]) IS 'Support function of theil_t, theil_l and ge: the generalized entropy index of a power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._atkinson_final(float8[]) IS 'Support function of atkinson: the Atkinson index of a power-sum state; not for direct use';
COMMENT ON FUNCTION @extschema@._cv_trans(float8[], float8) IS 'Support function of cv: transition, adds a value to the float8[] mean and squared-deviation state (West); not for direct use';
COMMENT ON FUNCTION @extschema@._cv_trans(float8[], float8, float8) IS 'Support function of cv: transition, adds a weighted value to the float8[] mean and squared-deviation state (West); not for direct use';
COMMENT ON FUNCTION @extschema@._cv_combine(float8[], float8[]) IS 'Support function of cv: combines two partial states (Chan et al.); not for direct use';
COMMENT ON FUNCTION @extschema@._cv_final(float8[]) IS 'Support function of cv: the coefficient of variation of a state; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_trans(float8[], float8) IS 'Support function of hoover: transition, appends a value to the float8[] state of (value, weight) pairs; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_trans(float8[], float8, float8) IS 'Support function of hoover: transition, appends a (value, weight) pair to the float8[] state; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_inv(float8[], float8) IS 'Support function of hoover: moving-window inverse transition, drops the oldest value; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_inv(float8[], float8, float8) IS 'Support function of hoover: moving-window inverse transition, drops the oldest (value, weight) pair; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_combine(float8[], float8[]) IS 'Support function of hoover: concatenates two partial states; not for direct use';
COMMENT ON FUNCTION @extschema@._hoover_final(float8[]) IS 'Support function of hoover: the Hoover index of a state; not for direct use';

COMMENT ON AGGREGATE @extschema@.theil_t(float8) IS 'Theil T index of value, GE(1) = mean of (x/mu) ln(x/mu); 0 = all equal, zeros count';
COMMENT ON AGGREGATE @extschema@.theil_t(float8, float8) IS 'Theil T index of value weighted by weight (population), GE(1) = sum s ln(s/p); 0 = all equal, zeros count';
COMMENT ON AGGREGATE @extschema@.theil_l(float8) IS 'Theil L index (mean log deviation, GE(0)) of value = ln mu - mean ln x; 0 = all equal, a zero value is an error';
COMMENT ON AGGREGATE @extschema@.theil_l(float8, float8) IS 'Theil L index (mean log deviation, GE(0)) of value weighted by weight (population) = sum p ln(p/s); 0 = all equal';
COMMENT ON AGGREGATE @extschema@.ge(float8, float8) IS 'Generalized entropy index GE(alpha) of value, alpha up to 256 (1 = Theil T, 0 = mean log deviation); 0 = all equal';
COMMENT ON AGGREGATE @extschema@.ge(float8, float8, float8) IS 'Generalized entropy index GE(alpha) of value weighted by weight (population), alpha up to 256; 0 = all equal';
COMMENT ON AGGREGATE @extschema@.atkinson(float8, float8) IS 'Atkinson index of value with inequality aversion epsilon >= 0: 1 - (power mean of order 1 - epsilon) / mean; in [0, 1)';
COMMENT ON AGGREGATE @extschema@.atkinson(float8, float8, float8) IS 'Atkinson index of value weighted by weight (population), inequality aversion epsilon >= 0; in [0, 1), 0 = all equal';
COMMENT ON AGGREGATE @extschema@.cv(float8) IS 'Coefficient of variation of value: population standard deviation / mean';
COMMENT ON AGGREGATE @extschema@.cv(float8, float8) IS 'Coefficient of variation of value weighted by weight (population): weighted standard deviation (no n - 1) / weighted mean';
COMMENT ON AGGREGATE @extschema@.hoover(float8) IS 'Hoover index (index of dissimilarity) of value: share of the total that must move for every unit to have the mean; 0 = equal';
COMMENT ON AGGREGATE @extschema@.hoover(float8, float8) IS 'Hoover index of value weighted by weight (population): half the sum of |resource share - population share|; 0 = equal';

COMMENT ON FUNCTION @extschema@._gini_trans(internal, float8) IS 'Support function of gini and lorenz: transition, collects a value; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_trans(internal, float8, float8) IS 'Support function of gini and lorenz: transition, collects a (value, weight) row; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_trans(internal, float8, float8, text) IS 'Support function of gini: transition, collects a (value, weight) row with the correction; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_totals_trans(internal, float8, float8) IS 'Support function of gini_totals: transition, collects a (resource, population) row; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_trans(internal, float8, float8) IS 'Support function of concentration_index: transition, collects a (health, rank_by) row; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_trans(internal, float8, float8, float8) IS 'Support function of concentration_index: transition, collects a (health, rank_by, weight) row; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_trans(internal, float8, float8, float8, text) IS 'Support function of concentration_index: transition, collects a row with the variant; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_trans(internal, float8, float8, float8, text, float8, float8) IS 'Support function of concentration_index: transition, collects a row with the variant and bounds; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_mtrans(internal, float8) IS 'Support function of gini and lorenz as window aggregates: moving transition, adds a value to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_mtrans(internal, float8, float8) IS 'Support function of gini and lorenz as window aggregates: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_mtrans(internal, float8, float8, text) IS 'Support function of gini as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_minv(internal, float8) IS 'Support function of gini and lorenz as window aggregates: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_minv(internal, float8, float8) IS 'Support function of gini and lorenz as window aggregates: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_minv(internal, float8, float8, text) IS 'Support function of gini as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_totals_mtrans(internal, float8, float8) IS 'Support function of gini_totals as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_totals_minv(internal, float8, float8) IS 'Support function of gini_totals as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_mtrans(internal, float8, float8) IS 'Support function of concentration_index as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8) IS 'Support function of concentration_index as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8, text) IS 'Support function of concentration_index as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_mtrans(internal, float8, float8, float8, text, float8, float8) IS 'Support function of concentration_index as a window aggregate: moving transition, adds a row to the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_minv(internal, float8, float8) IS 'Support function of concentration_index as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_minv(internal, float8, float8, float8) IS 'Support function of concentration_index as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_minv(internal, float8, float8, float8, text) IS 'Support function of concentration_index as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_minv(internal, float8, float8, float8, text, float8, float8) IS 'Support function of concentration_index as a window aggregate: inverse transition, drops the oldest row of the frame; not for direct use';
COMMENT ON FUNCTION @extschema@._rank_combine(internal, internal) IS 'Support function of gini, gini_totals, lorenz and concentration_index: combines two partial row sets (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._rank_serialize(internal) IS 'Support function of gini, gini_totals, lorenz and concentration_index: serializes a partial row set to a tagged bytea; not for direct use';
COMMENT ON FUNCTION @extschema@._rank_deserialize(bytea, internal) IS 'Support function of gini, gini_totals, lorenz and concentration_index: validates and deserializes a partial row set; not for direct use';
COMMENT ON FUNCTION @extschema@._gini_final(internal) IS 'Support function of gini and gini_totals: the Gini coefficient of the collected rows; not for direct use';
COMMENT ON FUNCTION @extschema@._lorenz_final(internal) IS 'Support function of lorenz: the Lorenz curve of the collected rows; not for direct use';
COMMENT ON FUNCTION @extschema@._ci_final(internal) IS 'Support function of concentration_index: the concentration index of the collected rows; not for direct use';

COMMENT ON AGGREGATE @extschema@.gini(float8) IS 'Gini coefficient of value: mean absolute difference / (2 mean); 0 = all equal, 1 = all in one unit';
COMMENT ON AGGREGATE @extschema@.gini(float8, float8) IS 'Gini coefficient of value, weighted by weight (population); 0 = equal, 1 = all in one unit';
COMMENT ON AGGREGATE @extschema@.gini(float8, float8, text) IS 'Gini coefficient of value weighted by weight, with small-sample correction ''none'', ''n'' (n/(n - 1)) or ''weights'' (1/(1 - sum p^2))';
COMMENT ON AGGREGATE @extschema@.gini_totals(float8, float8) IS 'Population Gini of the rate resource/population weighted by population, from per-unit totals; 0 = equal, 1 = all in one unit';
COMMENT ON AGGREGATE @extschema@.lorenz(float8) IS 'Lorenz curve of value: lorenz_point (population_share, resource_share) from (0, 0) to (1, 1), one per distinct value';
COMMENT ON AGGREGATE @extschema@.lorenz(float8, float8) IS 'Lorenz curve of value weighted by weight (population): lorenz_point (population_share, resource_share), one per distinct value';
COMMENT ON AGGREGATE @extschema@.concentration_index(float8, float8) IS 'Concentration index of health with units ranked by rank_by: 2 cov(health, fractional rank) / mean; < 0 when health gathers among the low-ranked';
COMMENT ON AGGREGATE @extschema@.concentration_index(float8, float8, float8) IS 'Concentration index of health ranked by rank_by, weighted by weight (population): 2 cov_w(health, fractional rank) / mean';
COMMENT ON AGGREGATE @extschema@.concentration_index(float8, float8, float8, text) IS 'Concentration index of health ranked by rank_by, weighted, as variant ''standard'', ''wagstaff'' (health in [0, 1]) or ''erreygers''';
COMMENT ON AGGREGATE @extschema@.concentration_index(float8, float8, float8, text, float8, float8) IS 'Erreygers-corrected concentration index of health bounded in [lower, upper], ranked by rank_by, weighted: 4 mean C / (upper - lower)';

COMMENT ON FUNCTION @extschema@._dec_trans(internal, float8, float8, text, float8) IS 'Support function of ge_decomposition: transition, adds a (value, weight) row to its group''s power sums; not for direct use';
COMMENT ON FUNCTION @extschema@._dec_combine(internal, internal) IS 'Support function of ge_decomposition: combines two partial per-group states (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._dec_serialize(internal) IS 'Support function of ge_decomposition: serializes a partial state to a tagged bytea; not for direct use';
COMMENT ON FUNCTION @extschema@._dec_deserialize(bytea, internal) IS 'Support function of ge_decomposition: validates and deserializes a partial state; not for direct use';
COMMENT ON FUNCTION @extschema@._dec_final(internal) IS 'Support function of ge_decomposition: the decomposition of the per-group power sums; not for direct use';
COMMENT ON AGGREGATE @extschema@.ge_decomposition(float8, float8, text, float8) IS 'GE(alpha) of value weighted by weight, split exactly into between and within the groups grp, with per-group rows (medres.decomposition)';

COMMENT ON TYPE @extschema@.rsr_fit_result IS 'Result of rsr_fit: regression of the distinct scores on their probits (intercept, slope, r_squared, F, p_value) and the grades'' probit and score cut points';
COMMENT ON COLUMN @extschema@.rsr_fit_result.n IS 'Units';
COMMENT ON COLUMN @extschema@.rsr_fit_result.distinct_values IS 'k, the number of distinct scores regressed';
COMMENT ON COLUMN @extschema@.rsr_fit_result.intercept IS 'a of the fit score = a + b probit';
COMMENT ON COLUMN @extschema@.rsr_fit_result.slope IS 'b of the fit score = a + b probit';
COMMENT ON COLUMN @extschema@.rsr_fit_result.r_squared IS 'R squared of the fit';
COMMENT ON COLUMN @extschema@.rsr_fit_result.f IS 'F = R^2 (k - 2) / (1 - R^2) on (1, k - 2) degrees of freedom';
COMMENT ON COLUMN @extschema@.rsr_fit_result.p_value IS 'P(F > f)';
COMMENT ON COLUMN @extschema@.rsr_fit_result.cut_probits IS 'Probit cut points between grades, 2 + 6j/g for j = 1 .. g - 1';
COMMENT ON COLUMN @extschema@.rsr_fit_result.cut_scores IS 'Score thresholds between grades, a + b cut_probits';
COMMENT ON TYPE @extschema@.rsr_table_row IS 'One row of rsr_table: a distinct score with its frequency, cumulative frequency, mean rank, percentile, probit and fitted score';
COMMENT ON COLUMN @extschema@.rsr_table_row.value IS 'A distinct score';
COMMENT ON COLUMN @extschema@.rsr_table_row.f IS 'Units with this score';
COMMENT ON COLUMN @extschema@.rsr_table_row.cum_f IS 'Units with this score or less';
COMMENT ON COLUMN @extschema@.rsr_table_row.mean_rank IS 'Mean rank of this score, cum_f - (f - 1)/2';
COMMENT ON COLUMN @extschema@.rsr_table_row.percentile IS 'mean_rank / n (the largest score: 1 - 1/(4n))';
COMMENT ON COLUMN @extschema@.rsr_table_row.probit IS '5 + normal quantile of percentile';
COMMENT ON COLUMN @extschema@.rsr_table_row.fitted IS 'a + b probit of the fit (NULL with fewer than 3 distinct scores)';
COMMENT ON FUNCTION @extschema@.rsr(float8[], text, float8[], text) IS 'Window function: rank-sum ratio of each unit over its partition, sum of weighted indicator ranks / (n sum of weights); in (0, 1]';
COMMENT ON FUNCTION @extschema@.rsr_probit(float8, text) IS 'Window function: probit of each unit''s score within its partition, 5 + normal quantile of its percentile among the distinct scores';
COMMENT ON FUNCTION @extschema@.rsr_grade(float8, int, text, text) IS 'Window function: grade of each unit''s score within its partition, 1 (best) to grades, by the cut points of the probit regression';
COMMENT ON FUNCTION @extschema@.topsis(float8[], text, float8[]) IS 'Window function: TOPSIS closeness of each unit to the ideal over its partition, D- / (D+ + D-); in [0, 1], 1 = best';
COMMENT ON FUNCTION @extschema@._score_trans(internal, float8) IS 'Support function of rsr_fit and rsr_table: transition, collects a score; not for direct use';
COMMENT ON FUNCTION @extschema@._score_trans(internal, float8, int) IS 'Support function of rsr_fit: transition, collects a score with the number of grades; not for direct use';
COMMENT ON FUNCTION @extschema@._rsr_fit_final(internal) IS 'Support function of rsr_fit: the probit regression of the collected scores; not for direct use';
COMMENT ON FUNCTION @extschema@._rsr_table_final(internal) IS 'Support function of rsr_table: the probit table of the collected scores; not for direct use';
COMMENT ON FUNCTION @extschema@._entropy_trans(internal, float8[]) IS 'Support function of entropy_weights: transition, collects a row of indicators; not for direct use';
COMMENT ON FUNCTION @extschema@._entropy_trans(internal, float8[], text) IS 'Support function of entropy_weights: transition, collects a row of indicators with their directions; not for direct use';
COMMENT ON FUNCTION @extschema@._entropy_final(internal) IS 'Support function of entropy_weights: the entropy weights of the collected rows; not for direct use';
COMMENT ON AGGREGATE @extschema@.rsr_fit(float8) IS 'Rank-sum ratio grading: OLS of the distinct scores on their probits, with fit statistics and the cut points of 3 grades (rsr_fit_result)';
COMMENT ON AGGREGATE @extschema@.rsr_fit(float8, int) IS 'Rank-sum ratio grading: OLS of the distinct scores on their probits, with fit statistics and the cut points of grades classes (rsr_fit_result)';
COMMENT ON AGGREGATE @extschema@.rsr_table(float8) IS 'Probit table of the scores: one rsr_table_row per distinct score (frequency, mean rank, percentile, probit, fitted), ascending';
COMMENT ON AGGREGATE @extschema@.entropy_weights(float8[]) IS 'Entropy-method weights of the indicators (one per array element, all benefit-type): w_j = (1 - e_j) / sum (1 - e), summing to 1';
COMMENT ON AGGREGATE @extschema@.entropy_weights(float8[], text) IS 'Entropy-method weights of the indicators with directions (''+'' benefit, ''-'' cost, one per indicator): w_j = (1 - e_j) / sum (1 - e)';

COMMENT ON FUNCTION @extschema@.hrdi(float8, float8, float8) IS 'Health resource density index: sqrt((resource/population) (resource/area)) = resource / sqrt(population area)';
COMMENT ON FUNCTION @extschema@.hrad(float8, float8) IS 'Window function: health resource agglomeration degree, the unit''s share of the resource over its share of the area in the partition';
COMMENT ON FUNCTION @extschema@.pad(float8, float8) IS 'Window function: population agglomeration degree, the unit''s share of the population over its share of the area in the partition';
COMMENT ON FUNCTION @extschema@.hrad_pad(float8, float8) IS 'Window function: the unit''s share of the resource over its share of the population in the partition (HRAD/PAD); 1 = fair by population';

COMMENT ON TYPE @extschema@.hclust_merge IS 'One merge step of hclust_tree: the two nodes joined (leaves 0 to n - 1, step s makes node n + s - 1), the merge height and the size of the new cluster';
COMMENT ON COLUMN @extschema@.hclust_merge.step IS 'Merge step, 1 .. n - 1; step s creates node n + s - 1';
COMMENT ON COLUMN @extschema@.hclust_merge.left_id IS 'The smaller of the two nodes merged (leaves are 0 .. n - 1 in label order)';
COMMENT ON COLUMN @extschema@.hclust_merge.right_id IS 'The larger of the two nodes merged';
COMMENT ON COLUMN @extschema@.hclust_merge.height IS 'Distance between the two nodes when merged';
COMMENT ON COLUMN @extschema@.hclust_merge.size IS 'Units under the new node';
COMMENT ON FUNCTION @extschema@.hclust(float8[], int, text, text, text, float8) IS 'Window function: cluster number (1 to k) of each unit by agglomerative hierarchical clustering of features over the partition (SPSS defaults)';
COMMENT ON FUNCTION @extschema@.kmeans(float8[], int, bigint, int, text, int, float8[]) IS 'Window function: cluster number (1 to k) of each unit by k-means (Lloyd) on the standardized features over the partition';
COMMENT ON FUNCTION @extschema@._tree_trans(internal, float8[], text) IS 'Support function of hclust_tree, hclust_newick and hclust_svg: transition, collects a labelled row of features; not for direct use';
COMMENT ON FUNCTION @extschema@._tree_trans(internal, float8[], text, text) IS 'Support function of hclust_tree, hclust_newick and hclust_svg: transition, collects a labelled row with the linkage; not for direct use';
COMMENT ON FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text) IS 'Support function of hclust_tree, hclust_newick and hclust_svg: transition, collects a labelled row with linkage and metric; not for direct use';
COMMENT ON FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text, text) IS 'Support function of hclust_tree, hclust_newick and hclust_svg: transition, collects a labelled row with all options; not for direct use';
COMMENT ON FUNCTION @extschema@._silhouette_trans(internal, float8[], int) IS 'Support function of silhouette: transition, collects a row of features with its cluster; not for direct use';
COMMENT ON FUNCTION @extschema@._silhouette_trans(internal, float8[], int, text) IS 'Support function of silhouette: transition, collects a row of features with its cluster and the metric; not for direct use';
COMMENT ON FUNCTION @extschema@._silhouette_trans(internal, float8[], int, text, text) IS 'Support function of silhouette: transition, collects a row of features with its cluster and all options; not for direct use';
COMMENT ON FUNCTION @extschema@._rows_combine(internal, internal) IS 'Support function of hclust_tree, hclust_newick, hclust_svg and silhouette: combines two partial row sets (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._rows_serialize(internal) IS 'Support function of hclust_tree, hclust_newick, hclust_svg and silhouette: serializes a partial row set to a tagged bytea; not for direct use';
COMMENT ON FUNCTION @extschema@._rows_deserialize(bytea, internal) IS 'Support function of hclust_tree, hclust_newick, hclust_svg and silhouette: validates and deserializes a partial row set; not for direct use';
COMMENT ON FUNCTION @extschema@._tree_final(internal) IS 'Support function of hclust_tree: the merge steps of the collected rows; not for direct use';
COMMENT ON FUNCTION @extschema@._newick_final(internal) IS 'Support function of hclust_newick: the Newick string of the collected rows'' tree; not for direct use';
COMMENT ON FUNCTION @extschema@._svg_final(internal) IS 'Support function of hclust_svg: the SVG dendrogram of the collected rows; not for direct use';
COMMENT ON FUNCTION @extschema@._silhouette_final(internal) IS 'Support function of silhouette: the mean silhouette width of the collected rows; not for direct use';
COMMENT ON AGGREGATE @extschema@.hclust_tree(float8[], text) IS 'Merge steps (hclust_merge[]) of the hierarchical clustering of features, leaves ordered by label; average linkage, squared Euclidean, z-scores';
COMMENT ON AGGREGATE @extschema@.hclust_tree(float8[], text, text) IS 'Merge steps (hclust_merge[]) of the hierarchical clustering of features with the given linkage, leaves ordered by label';
COMMENT ON AGGREGATE @extschema@.hclust_tree(float8[], text, text, text) IS 'Merge steps (hclust_merge[]) of the hierarchical clustering of features with the given linkage and metric, leaves ordered by label';
COMMENT ON AGGREGATE @extschema@.hclust_tree(float8[], text, text, text, text) IS 'Merge steps (hclust_merge[]) of the hierarchical clustering of features with the given linkage, metric and standardization';
COMMENT ON AGGREGATE @extschema@.hclust_newick(float8[], text) IS 'Hierarchical clustering tree of features as a Newick string with the labels as leaves; average linkage, squared Euclidean, z-scores';
COMMENT ON AGGREGATE @extschema@.hclust_newick(float8[], text, text) IS 'Hierarchical clustering tree of features as a Newick string with the labels as leaves, with the given linkage';
COMMENT ON AGGREGATE @extschema@.hclust_newick(float8[], text, text, text) IS 'Hierarchical clustering tree of features as a Newick string with the labels as leaves, with the given linkage and metric';
COMMENT ON AGGREGATE @extschema@.hclust_newick(float8[], text, text, text, text) IS 'Hierarchical clustering tree of features as a Newick string, with the given linkage, metric and standardization';
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text) IS 'SPSS-style dendrogram (SVG document) of the hierarchical clustering of features; average linkage, squared Euclidean, z-scores';
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text, text) IS 'SPSS-style dendrogram (SVG document) of the hierarchical clustering of features with the given linkage';
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text, text, text) IS 'SPSS-style dendrogram (SVG document) of the hierarchical clustering of features with the given linkage and metric';
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text, text, text, text) IS 'SPSS-style dendrogram (SVG document) of the hierarchical clustering of features with the given linkage, metric and standardization';
COMMENT ON AGGREGATE @extschema@.silhouette(float8[], int) IS 'Mean silhouette width of the clustering of features into cluster, Euclidean on z-scores; in [-1, 1], higher = better separated';
COMMENT ON AGGREGATE @extschema@.silhouette(float8[], int, text) IS 'Mean silhouette width of the clustering of features into cluster under the given metric; in [-1, 1], higher = better separated';
COMMENT ON AGGREGATE @extschema@.silhouette(float8[], int, text, text) IS 'Mean silhouette width of the clustering of features into cluster under the given metric and standardization; in [-1, 1]';

-- ==== flat results for BI tools ====
-- JDBC and psycopg2 hand a composite or an array to a BI tool as opaque text.  These
-- set-returning companions turn each array-valued result into rows of plain scalars (see
-- doc/bi.md).  The bodies are SQL-standard (BEGIN ATOMIC): their names are resolved here,
-- once, and do not depend on the caller's search_path.

CREATE FUNCTION @extschema@.lorenz_points(curve @extschema@.lorenz_point[])
    RETURNS TABLE(point int, population_share float8, resource_share float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT c.o::int, c.population_share, c.resource_share
    FROM unnest(curve) WITH ORDINALITY AS c(population_share, resource_share, o)
    ORDER BY c.o;
END;
COMMENT ON FUNCTION @extschema@.lorenz_points(@extschema@.lorenz_point[]) IS
    'Rows (point, population_share, resource_share) of a Lorenz curve from lorenz(), point 1 being (0, 0)';

CREATE FUNCTION @extschema@.decomposition_groups(decomposition @extschema@.decomposition)
    RETURNS TABLE(grp text, n bigint, population_share float8, resource_share float8,
                  mean float8, index float8, contribution float8, contribution_share float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT g.grp, g.n, g.population_share, g.resource_share, g.mean, g.index, g.contribution,
           g.contribution_share
    FROM unnest((decomposition).groups) WITH ORDINALITY AS g(grp, n, population_share,
             resource_share, mean, index, contribution, contribution_share, o)
    ORDER BY g.o;
END;
COMMENT ON FUNCTION @extschema@.decomposition_groups(@extschema@.decomposition) IS
    'One row per group of a ge_decomposition() result: shares, mean, own index and contribution to the within term';

-- Cut j of g grades: a score at or above cut_score j (and below cut j + 1) is grade g - j,
-- a score below it grade g - j + 1 or worse (rsr_grade counts the thresholds a value reaches).
CREATE FUNCTION @extschema@.rsr_fit_cuts(fit @extschema@.rsr_fit_result)
    RETURNS TABLE(cut int, cut_probit float8, cut_score float8, grade_below int, grade_above int)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT c.j::int, c.p, c.s, (cardinality((fit).cut_probits) + 1 - c.j + 1)::int,
           (cardinality((fit).cut_probits) + 1 - c.j)::int
    FROM unnest((fit).cut_probits, (fit).cut_scores) WITH ORDINALITY AS c(p, s, j)
    ORDER BY c.j;
END;
COMMENT ON FUNCTION @extschema@.rsr_fit_cuts(@extschema@.rsr_fit_result) IS
    'One row per grade boundary of an rsr_fit() result: its probit, its score threshold and the grades on either side';

-- hclust_tree numbers the leaves 0 .. n - 1 in byte order of their labels (COLLATE "C"), so
-- the labels of the same rows, sorted that way, name them.  Rows whose label is NULL take no
-- part in hclust_tree and are dropped here too.
CREATE FUNCTION @extschema@.hclust_steps(tree @extschema@.hclust_merge[], labels text[])
    RETURNS TABLE(step int, left_label text, left_step int, right_label text, right_step int,
                  height float8, size int)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $body$
DECLARE
    n int := cardinality(tree) + 1;
    sorted text[] := ARRAY(SELECT l FROM unnest(labels) AS l WHERE l IS NOT NULL
                           ORDER BY l COLLATE "C");
BEGIN
    IF cardinality(sorted) <> n THEN
        RAISE EXCEPTION 'labels must name the % units of tree, not %', n, cardinality(sorted)
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass array_agg(label) over the rows hclust_tree read: a row whose features are NULL takes no part.';
    END IF;
    -- the merge of step s creates node n + s - 1 and joins two nodes made before it
    IF EXISTS (SELECT 1 FROM unnest(tree) WITH ORDINALITY AS m(step, left_id, right_id, height, size, o)
               WHERE m.step IS DISTINCT FROM m.o OR m.size IS NULL OR m.size < 2
                  OR m.height IS NULL OR m.height IN ('NaN', 'Infinity', '-Infinity')
                  OR m.left_id IS NULL OR m.left_id < 0 OR m.left_id >= n + m.o - 1
                  OR m.right_id IS NULL OR m.right_id < 0 OR m.right_id >= n + m.o - 1) THEN
        RAISE EXCEPTION 'tree is not a list of merge steps from hclust_tree'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Step s must be element s, join nodes below n + s - 1 (n being the number of units) at a finite height, and hold at least 2 units.';
    END IF;
    RETURN QUERY
        SELECT m.step,
               CASE WHEN m.left_id < n THEN sorted[m.left_id + 1] END,
               CASE WHEN m.left_id >= n THEN m.left_id - n + 1 END,
               CASE WHEN m.right_id < n THEN sorted[m.right_id + 1] END,
               CASE WHEN m.right_id >= n THEN m.right_id - n + 1 END,
               m.height, m.size
        FROM unnest(tree) AS m
        ORDER BY m.step;
END
$body$;
COMMENT ON FUNCTION @extschema@.hclust_steps(@extschema@.hclust_merge[], text[]) IS
    'The merge steps of hclust_tree() as rows, each side named by its unit''s label or by the step that formed its cluster';
-- ==== pictures (helper svg): hclust_svg options, lorenz_svg, concentration_svg, heatmap_svg ====
-- hclust_svg gains options (jsonb: title, width, height, palette, k, cut_height); the 2..5
-- argument forms stay as they were, now drawn with a title naming linkage and metric.
CREATE FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_tree_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.hclust_svg(features float8[], label text, linkage text, metric text,
                                        standardize text, options jsonb) (
    SFUNC = @extschema@._tree_trans, STYPE = internal, FINALFUNC = @extschema@._svg_final,
    COMBINEFUNC = @extschema@._rows_combine, SERIALFUNC = @extschema@._rows_serialize,
    DESERIALFUNC = @extschema@._rows_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.hclust_svg(float8[], text, text, text, text, jsonb) IS
    'SVG dendrogram of a hierarchical clustering, with a title and an optional cut (k or cut_height) colouring each cluster';

-- lorenz_svg and concentration_svg: one state (the records per series), parallel
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text, jsonb)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_curve_svg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_curve_svg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._curve_svg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_curve_svg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._lorenz_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_lorenz_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._concentration_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_concentration_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

DO $$
DECLARE
    a record;
BEGIN
    FOR a IN SELECT * FROM (VALUES
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8', 'float8, float8'),
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8, series text', 'float8, float8, text'),
        ('lorenz_svg', '_lorenz_svg', 'value float8, weight float8, series text, options jsonb',
         'float8, float8, text, jsonb'),
        ('concentration_svg', '_concentration_svg', 'health float8, rank_by float8', 'float8, float8'),
        ('concentration_svg', '_concentration_svg', 'health float8, rank_by float8, weight float8',
         'float8, float8, float8'),
        ('concentration_svg', '_concentration_svg',
         'health float8, rank_by float8, weight float8, series text', 'float8, float8, float8, text'),
        ('concentration_svg', '_concentration_svg',
         'health float8, rank_by float8, weight float8, series text, options jsonb',
         'float8, float8, float8, text, jsonb')) v(name, fn, args, types)
    LOOP
        EXECUTE format(
            'CREATE AGGREGATE @extschema@.%I(%s) (SFUNC = @extschema@.%I, STYPE = internal, '
            'FINALFUNC = @extschema@.%I, COMBINEFUNC = @extschema@._curve_svg_combine, '
            'SERIALFUNC = @extschema@._curve_svg_serialize, '
            'DESERIALFUNC = @extschema@._curve_svg_deserialize, PARALLEL = SAFE)',
            a.name, a.args, a.fn || '_trans', a.fn || '_final');
        EXECUTE format('COMMENT ON AGGREGATE @extschema@.%I(%s) IS %L', a.name, a.types,
            CASE a.name WHEN 'lorenz_svg'
                THEN 'SVG of the Lorenz curve of each series with the line of equality and each series'' Gini in the legend'
                ELSE 'SVG of the concentration curve of health ranked by rank_by for each series, with each series'' concentration index in the legend' END);
    END LOOP;
END
$$;

-- heatmap_svg: no combine function on purpose (rows and columns in the order first seen; see
-- src/charts.c)
CREATE FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8, jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._heatmap_svg_final(internal) RETURNS text
    AS 'MODULE_PATHNAME', 'medres_heatmap_svg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.heatmap_svg(row_label text, col_label text, value float8) (
    SFUNC = @extschema@._heatmap_svg_trans, STYPE = internal,
    FINALFUNC = @extschema@._heatmap_svg_final, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.heatmap_svg(row_label text, col_label text, value float8, options jsonb) (
    SFUNC = @extschema@._heatmap_svg_trans, STYPE = internal,
    FINALFUNC = @extschema@._heatmap_svg_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.heatmap_svg(text, text, float8) IS
    'SVG heat map of value by row and column label, rows and columns in the order first seen, with a colour scale';
COMMENT ON AGGREGATE @extschema@.heatmap_svg(text, text, float8, jsonb) IS
    'SVG heat map of value by row and column label, rows and columns in the order first seen, with a colour scale and options';

-- comments of the pictures' support functions
COMMENT ON FUNCTION @extschema@._tree_trans(internal, float8[], text, text, text, text, jsonb) IS 'Support function of hclust_svg: transition, collects a labelled row with all options and the picture''s options; not for direct use';
COMMENT ON FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8) IS 'Support function of lorenz_svg: transition, collects a (value, weight) record; not for direct use';
COMMENT ON FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text) IS 'Support function of lorenz_svg: transition, collects a (value, weight) record of a series; not for direct use';
COMMENT ON FUNCTION @extschema@._lorenz_svg_trans(internal, float8, float8, text, jsonb) IS 'Support function of lorenz_svg: transition, collects a (value, weight) record of a series with the options; not for direct use';
COMMENT ON FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8) IS 'Support function of concentration_svg: transition, collects a (health, rank_by) record; not for direct use';
COMMENT ON FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8) IS 'Support function of concentration_svg: transition, collects a weighted (health, rank_by) record; not for direct use';
COMMENT ON FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text) IS 'Support function of concentration_svg: transition, collects a weighted (health, rank_by) record of a series; not for direct use';
COMMENT ON FUNCTION @extschema@._concentration_svg_trans(internal, float8, float8, float8, text, jsonb) IS 'Support function of concentration_svg: transition, collects a weighted (health, rank_by) record of a series with the options; not for direct use';
COMMENT ON FUNCTION @extschema@._curve_svg_combine(internal, internal) IS 'Support function of lorenz_svg and concentration_svg: combines two partial states (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._curve_svg_serialize(internal) IS 'Support function of lorenz_svg and concentration_svg: serializes a partial state to a tagged bytea; not for direct use';
COMMENT ON FUNCTION @extschema@._curve_svg_deserialize(bytea, internal) IS 'Support function of lorenz_svg and concentration_svg: validates and deserializes a partial state; not for direct use';
COMMENT ON FUNCTION @extschema@._lorenz_svg_final(internal) IS 'Support function of lorenz_svg: draws the SVG of the collected series; not for direct use';
COMMENT ON FUNCTION @extschema@._concentration_svg_final(internal) IS 'Support function of concentration_svg: draws the SVG of the collected series; not for direct use';
COMMENT ON FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8) IS 'Support function of heatmap_svg: transition, collects a (row, column, value) cell; not for direct use';
COMMENT ON FUNCTION @extschema@._heatmap_svg_trans(internal, text, text, float8, jsonb) IS 'Support function of heatmap_svg: transition, collects a (row, column, value) cell with the options; not for direct use';
COMMENT ON FUNCTION @extschema@._heatmap_svg_final(internal) IS 'Support function of heatmap_svg: draws the SVG of the collected cells; not for direct use';
-- ==== class breaks (helper map): class_breaks for choropleth maps ====
CREATE FUNCTION @extschema@._class_breaks_trans(internal, float8, int, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_class_breaks_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_class_breaks_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._class_breaks_final(internal) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'medres_class_breaks_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE @extschema@.class_breaks(value float8, k int, method text) (
    SFUNC = @extschema@._class_breaks_trans, STYPE = internal,
    FINALFUNC = @extschema@._class_breaks_final,
    COMBINEFUNC = @extschema@._class_breaks_combine,
    SERIALFUNC = @extschema@._class_breaks_serialize,
    DESERIALFUNC = @extschema@._class_breaks_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.class_breaks(float8, int, text) IS
    'class breaks of the values for a map: k + 1 ascending bounds (min, each class''s upper bound) by quantile, equal interval or Jenks natural breaks';
COMMENT ON FUNCTION @extschema@._class_breaks_trans(internal, float8, int, text) IS 'Support function of class_breaks: transition, collects a value; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_combine(internal, internal) IS 'Support function of class_breaks: combines two partial states; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_serialize(internal) IS 'Support function of class_breaks: serializes the state for a parallel worker; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_deserialize(bytea, internal) IS 'Support function of class_breaks: deserializes and validates a state; not for direct use';
COMMENT ON FUNCTION @extschema@._class_breaks_final(internal) IS 'Support function of class_breaks: sorts the values and computes the breaks; not for direct use';

-- ==== ge_decomposition: a state type that parallel query and Citus can split ====
-- The state was internal, which Citus never pushes down to its workers (it ships partial
-- states as the state type's text, and internal has none): every row went to the
-- coordinator.  It is now medres.ge_decomposition_state, a varlena type whose text form
-- carries the per-group sums exactly; results are unchanged.  A view that uses
-- ge_decomposition must be dropped before this update and made again after it.
DROP AGGREGATE @extschema@.ge_decomposition(float8, float8, text, float8);
DROP FUNCTION @extschema@._dec_trans(internal, float8, float8, text, float8);
DROP FUNCTION @extschema@._dec_combine(internal, internal);
DROP FUNCTION @extschema@._dec_serialize(internal);
DROP FUNCTION @extschema@._dec_deserialize(bytea, internal);
DROP FUNCTION @extschema@._dec_final(internal);

CREATE TYPE @extschema@.ge_decomposition_state;
CREATE FUNCTION @extschema@.ge_decomposition_state_in(cstring) RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ge_decomposition_state_out(@extschema@.ge_decomposition_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'medres_dec_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.ge_decomposition_state (
    INPUT = @extschema@.ge_decomposition_state_in,
    OUTPUT = @extschema@.ge_decomposition_state_out,
    INTERNALLENGTH = VARIABLE, STORAGE = extended);

CREATE FUNCTION @extschema@._dec_trans(@extschema@.ge_decomposition_state, float8, float8, text, float8)
    RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_combine(@extschema@.ge_decomposition_state, @extschema@.ge_decomposition_state)
    RETURNS @extschema@.ge_decomposition_state
    AS 'MODULE_PATHNAME', 'medres_dec_state_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dec_final(@extschema@.ge_decomposition_state) RETURNS @extschema@.decomposition
    AS 'MODULE_PATHNAME', 'medres_dec_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ge_decomposition(value float8, weight float8, grp text, alpha float8) (
    SFUNC = @extschema@._dec_trans, STYPE = @extschema@.ge_decomposition_state,
    FINALFUNC = @extschema@._dec_final, COMBINEFUNC = @extschema@._dec_combine, PARALLEL = SAFE);

COMMENT ON TYPE @extschema@.ge_decomposition_state IS
    'Partial state of ge_decomposition: per-group weighted power sums, exact in its text form (what parallel workers and Citus shards send)';
COMMENT ON FUNCTION @extschema@.ge_decomposition_state_in(cstring) IS
    'Reads a ge_decomposition state from its text form, rejecting what no set of rows could give';
COMMENT ON FUNCTION @extschema@.ge_decomposition_state_out(@extschema@.ge_decomposition_state) IS
    'Writes a ge_decomposition state as text, every sum in round-trip decimal';
COMMENT ON FUNCTION @extschema@._dec_trans(@extschema@.ge_decomposition_state, float8, float8, text, float8) IS
    'Support function of ge_decomposition: transition, adds a (value, weight) row to its group''s power sums; not for direct use';
COMMENT ON FUNCTION @extschema@._dec_combine(@extschema@.ge_decomposition_state, @extschema@.ge_decomposition_state) IS
    'Support function of ge_decomposition: combines two partial states group by group (parallel query, Citus); not for direct use';
COMMENT ON FUNCTION @extschema@._dec_final(@extschema@.ge_decomposition_state) IS
    'Support function of ge_decomposition: the decomposition of the per-group power sums; not for direct use';
COMMENT ON AGGREGATE @extschema@.ge_decomposition(float8, float8, text, float8) IS
    'GE(alpha) of value weighted by weight, split exactly into between and within the groups grp, with per-group rows (medres.decomposition)';

-- ==== Dagum's Gini decomposition by groups (dagum.c, doc/dagum.md) ====

CREATE TYPE @extschema@.dagum_group AS (
    grp                text,
    n                  bigint,
    population_share   float8,
    resource_share     float8,
    mean               float8,
    gini               float8,
    contribution       float8,
    contribution_share float8
);
COMMENT ON TYPE @extschema@.dagum_group IS
    'One group of a Dagum decomposition: rows, population and resource shares, mean, within-group Gini G_jj and its contribution G_jj p_j s_j';

CREATE TYPE @extschema@.dagum_pair AS (
    grp_j          text,
    grp_h          text,
    gini           float8,
    affluence      float8,
    net_between    float8,
    transvariation float8
);
COMMENT ON TYPE @extschema@.dagum_pair IS
    'One pair of groups of a Dagum decomposition (grp_j has the higher mean): between-group Gini G_jh, relative economic affluence D_jh and the pair''s net-between and transvariation contributions';

CREATE TYPE @extschema@.dagum AS (
    total                float8,
    within               float8,
    net_between          float8,
    transvariation       float8,
    within_share         float8,
    net_between_share    float8,
    transvariation_share float8,
    groups               @extschema@.dagum_group[],
    pairs                @extschema@.dagum_pair[]
);
COMMENT ON TYPE @extschema@.dagum IS
    'Dagum''s decomposition of the Gini coefficient: total = within + net_between + transvariation, their shares, the groups by mean and the pairs of groups';

CREATE FUNCTION @extschema@._dagum_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_trans(internal, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_dagum_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_dagum_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._dagum_final(internal) RETURNS @extschema@.dagum
    AS 'MODULE_PATHNAME', 'medres_dagum_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._dagum_trans(internal, float8, float8, text) IS
    'Support function of dagum_decomposition(value, weight, grp): transition, keeps each positively weighted row; not for direct use';
COMMENT ON FUNCTION @extschema@._dagum_trans(internal, float8, text) IS
    'Support function of dagum_decomposition(value, grp): transition, keeps each row with weight 1; not for direct use';
COMMENT ON FUNCTION @extschema@._dagum_combine(internal, internal) IS
    'Support function of dagum_decomposition: combine, merges two states; not for direct use';
COMMENT ON FUNCTION @extschema@._dagum_serialize(internal) IS
    'Support function of dagum_decomposition: serialize, the sorted rows and the groups, tagged; not for direct use';
COMMENT ON FUNCTION @extschema@._dagum_deserialize(bytea, internal) IS
    'Support function of dagum_decomposition: deserialize, checks every field of a serialized state; not for direct use';
COMMENT ON FUNCTION @extschema@._dagum_final(internal) IS
    'Support function of dagum_decomposition: final, one sort and one sweep give every pairwise sum; not for direct use';

CREATE AGGREGATE @extschema@.dagum_decomposition(value float8, weight float8, grp text) (
    SFUNC = @extschema@._dagum_trans, STYPE = internal, FINALFUNC = @extschema@._dagum_final,
    COMBINEFUNC = @extschema@._dagum_combine, SERIALFUNC = @extschema@._dagum_serialize,
    DESERIALFUNC = @extschema@._dagum_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_decomposition(value float8, grp text) (
    SFUNC = @extschema@._dagum_trans, STYPE = internal, FINALFUNC = @extschema@._dagum_final,
    COMBINEFUNC = @extschema@._dagum_combine, SERIALFUNC = @extschema@._dagum_serialize,
    DESERIALFUNC = @extschema@._dagum_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE @extschema@.dagum_decomposition(float8, float8, text) IS
    'Dagum''s (1997) decomposition of the weighted Gini coefficient by groups into within, net between and transvariation';
COMMENT ON AGGREGATE @extschema@.dagum_decomposition(float8, text) IS
    'Dagum''s (1997) decomposition of the Gini coefficient by groups into within, net between and transvariation';

-- Flattened forms: plain scalar columns a BI tool can read.
CREATE FUNCTION @extschema@.dagum_groups(decomposition @extschema@.dagum)
    RETURNS TABLE(grp text, n bigint, population_share float8, resource_share float8, mean float8,
                  gini float8, contribution float8, contribution_share float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT g.* FROM unnest(decomposition.groups) AS g $$;
CREATE FUNCTION @extschema@.dagum_pairs(decomposition @extschema@.dagum)
    RETURNS TABLE(grp_j text, grp_h text, gini float8, affluence float8, net_between float8,
                  transvariation float8)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT p.* FROM unnest(decomposition.pairs) AS p $$;
COMMENT ON FUNCTION @extschema@.dagum_groups(@extschema@.dagum) IS
    'The groups of a Dagum decomposition as rows of plain columns, in order of their mean';
COMMENT ON FUNCTION @extschema@.dagum_pairs(@extschema@.dagum) IS
    'The pairs of groups of a Dagum decomposition as rows of plain columns: G_jh, D_jh and the pair''s contributions';

-- the attributes of the Dagum result types
COMMENT ON COLUMN @extschema@.dagum.total IS 'G, the Gini coefficient of all rows';
COMMENT ON COLUMN @extschema@.dagum.within IS 'G_w = sum_j G_jj p_j s_j, the within-group part';
COMMENT ON COLUMN @extschema@.dagum.net_between IS 'G_nb = sum_{j>h} G_jh (p_j s_h + p_h s_j) D_jh, the net between-group part';
COMMENT ON COLUMN @extschema@.dagum.transvariation IS 'G_t = sum_{j>h} G_jh (p_j s_h + p_h s_j) (1 - D_jh), the overlap of the groups';
COMMENT ON COLUMN @extschema@.dagum.within_share IS 'within / total (NULL when total is 0)';
COMMENT ON COLUMN @extschema@.dagum.net_between_share IS 'net_between / total (NULL when total is 0)';
COMMENT ON COLUMN @extschema@.dagum.transvariation_share IS 'transvariation / total (NULL when total is 0)';
COMMENT ON COLUMN @extschema@.dagum.groups IS 'One dagum_group per group, in ascending order of the group mean';
COMMENT ON COLUMN @extschema@.dagum.pairs IS 'One dagum_pair per pair of groups, the group of higher mean first';
COMMENT ON COLUMN @extschema@.dagum_group.grp IS 'The group';
COMMENT ON COLUMN @extschema@.dagum_group.n IS 'Rows of the group with a positive weight';
COMMENT ON COLUMN @extschema@.dagum_group.population_share IS 'p_j, the group''s share of the total weight';
COMMENT ON COLUMN @extschema@.dagum_group.resource_share IS 's_j, the group''s share of the total resource (value times weight)';
COMMENT ON COLUMN @extschema@.dagum_group.mean IS 'The group''s weighted mean value';
COMMENT ON COLUMN @extschema@.dagum_group.gini IS 'G_jj, the Gini coefficient within the group (NULL if all its values are 0)';
COMMENT ON COLUMN @extschema@.dagum_group.contribution IS 'G_jj p_j s_j, the group''s part of within';
COMMENT ON COLUMN @extschema@.dagum_group.contribution_share IS 'contribution / total';
COMMENT ON COLUMN @extschema@.dagum_pair.grp_j IS 'The group of the higher mean';
COMMENT ON COLUMN @extschema@.dagum_pair.grp_h IS 'The group of the lower mean';
COMMENT ON COLUMN @extschema@.dagum_pair.gini IS 'G_jh, the between-group Gini of the two groups';
COMMENT ON COLUMN @extschema@.dagum_pair.affluence IS 'D_jh, the relative economic affluence of grp_j over grp_h, in [0, 1]';
COMMENT ON COLUMN @extschema@.dagum_pair.net_between IS 'G_jh (p_j s_h + p_h s_j) D_jh, the pair''s part of net_between';
COMMENT ON COLUMN @extschema@.dagum_pair.transvariation IS 'G_jh (p_j s_h + p_h s_j) (1 - D_jh), the pair''s part of transvariation';

-- ==== confidence intervals and tests (doc/uncertainty.md) ====

CREATE TYPE @extschema@.interval_estimate AS (
    estimate   float8,
    se         float8,
    lower      float8,
    upper      float8,
    level      float8,
    method     text,
    replicates int
);
COMMENT ON TYPE @extschema@.interval_estimate IS
    'A point estimate with its standard error and confidence interval (level, method, bootstrap replicates; 0 for analytic)';

CREATE TYPE @extschema@.permutation_test AS (
    share        float8,
    p_value      float8,
    permutations int
);
COMMENT ON TYPE @extschema@.permutation_test IS
    'An observed between-group share and its permutation p-value';

CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_conc_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dec_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'medres_unc_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_final(internal) RETURNS @extschema@.interval_estimate
    AS 'MODULE_PATHNAME', 'medres_unc_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_test_final(internal) RETURNS @extschema@.permutation_test
    AS 'MODULE_PATHNAME', 'medres_unc_test_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8) IS 'Support function of inequality_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text) IS 'Support function of inequality_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8) IS 'Support function of inequality_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_trans(internal, text, float8, float8, text, float8, int, bigint) IS 'Support function of inequality_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8) IS 'Support function of concentration_index_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text) IS 'Support function of concentration_index_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8) IS 'Support function of concentration_index_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, int, bigint) IS 'Support function of concentration_index_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_conc_trans(internal, float8, float8, float8, text, float8, float8, text, float8, int, bigint) IS 'Support function of concentration_index_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text) IS 'Support function of ge_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text) IS 'Support function of ge_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8) IS 'Support function of ge_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dec_trans(internal, float8, float8, text, float8, text, text, float8, int, bigint) IS 'Support function of ge_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8) IS 'Support function of ge_between_test: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_test_trans(internal, float8, float8, text, float8, int, bigint) IS 'Support function of ge_between_test: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_combine(internal, internal) IS 'Support function of the interval aggregates: combines two partial states (parallel query); not for direct use';
COMMENT ON FUNCTION @extschema@._unc_serialize(internal) IS 'Support function of the interval aggregates: serializes a partial state to a tagged bytea; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_deserialize(bytea, internal) IS 'Support function of the interval aggregates: validates and deserializes a partial state; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_final(internal) IS 'Support function of the interval aggregates: computes the result from the sorted rows; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_test_final(internal) IS 'Support function of ge_between_test: computes the result from the sorted rows; not for direct use';

CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text,
                                           level float8) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.inequality_ci(measure text, value float8, weight float8, method text,
                                           level float8, replicates int, seed bigint) (
    SFUNC = @extschema@._unc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text, level float8) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    method text, level float8, replicates int,
                                                    seed bigint) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.concentration_index_ci(health float8, rank_by float8, weight float8,
                                                    variant text, lower float8, upper float8,
                                                    method text, level float8, replicates int,
                                                    seed bigint) (
    SFUNC = @extschema@._unc_conc_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text, level float8) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_decomposition_ci(value float8, weight float8, grp text, alpha float8,
                                                 component text, method text, level float8,
                                                 replicates int, seed bigint) (
    SFUNC = @extschema@._unc_dec_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_between_test(value float8, weight float8, grp text, alpha float8) (
    SFUNC = @extschema@._unc_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.ge_between_test(value float8, weight float8, grp text, alpha float8,
                                             permutations int, seed bigint) (
    SFUNC = @extschema@._unc_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8) IS
    'Analytic 95 % confidence interval of an inequality measure (gini, theil_t, theil_l, ge(a), atkinson(e), cv, hoover)';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text) IS
    'Confidence interval of an inequality measure by the given method, level 0.95';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text, float8) IS
    'Confidence interval of an inequality measure by the given method and level';
COMMENT ON AGGREGATE @extschema@.inequality_ci(text, float8, float8, text, float8, int, int8) IS
    'Confidence interval of an inequality measure by the given method, level, bootstrap replicates and seed';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8) IS
    'Analytic 95 % confidence interval of the concentration index (Kakwani, Wagstaff and van Doorslaer 1997)';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text) IS
    'Confidence interval of the concentration index by the given method, level 0.95';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8) IS
    'Confidence interval of the concentration index by the given method and level';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8, int, int8) IS
    'Confidence interval of the concentration index by the given method, level, bootstrap replicates and seed';
COMMENT ON AGGREGATE @extschema@.concentration_index_ci(float8, float8, float8, text, float8, float8, text, float8, int, int8) IS
    'Confidence interval of the standard, Wagstaff or Erreygers concentration index by the given method, level, replicates and seed';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text) IS
    'Bootstrap percentile 95 % interval of a component of the GE decomposition by group';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text) IS
    'Bootstrap interval of a component of the GE decomposition by group, level 0.95';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text, float8) IS
    'Bootstrap interval of a component of the GE decomposition by group at the given level';
COMMENT ON AGGREGATE @extschema@.ge_decomposition_ci(float8, float8, text, float8, text, text, float8, int, int8) IS
    'Bootstrap interval of a component of the GE decomposition by group, with replicates and seed';
COMMENT ON AGGREGATE @extschema@.ge_between_test(float8, float8, text, float8) IS
    'Permutation test (999 permutations, seed 0) of the between-group share of GE(alpha)';
COMMENT ON AGGREGATE @extschema@.ge_between_test(float8, float8, text, float8, int, int8) IS
    'Permutation test of the between-group share of GE(alpha), group labels shuffled with a seed';

COMMENT ON COLUMN @extschema@.interval_estimate.estimate IS 'The point estimate, equal to the measure''s own aggregate';
COMMENT ON COLUMN @extschema@.interval_estimate.se IS 'Its standard error: analytic (influence function) or the standard deviation of the bootstrap replicates';
COMMENT ON COLUMN @extschema@.interval_estimate.lower IS 'Lower bound of the confidence interval';
COMMENT ON COLUMN @extschema@.interval_estimate.upper IS 'Upper bound of the confidence interval';
COMMENT ON COLUMN @extschema@.interval_estimate.level IS 'Confidence level of the interval, in (0, 1)';
COMMENT ON COLUMN @extschema@.interval_estimate.method IS 'analytic, bootstrap-percentile or bootstrap-normal';
COMMENT ON COLUMN @extschema@.interval_estimate.replicates IS 'Bootstrap replicates drawn (0 for analytic)';
COMMENT ON COLUMN @extschema@.permutation_test.share IS 'The observed between-group share of the decomposition';
COMMENT ON COLUMN @extschema@.permutation_test.p_value IS '(1 + permutations with a share at least as large) / (1 + permutations)';
COMMENT ON COLUMN @extschema@.permutation_test.permutations IS 'Permutations of the group labels drawn';

-- ==== intervals and the permutation test for Dagum's decomposition (helper dagci, doc/uncertainty.md) ====

CREATE FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text, float8, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dagum_test_trans(internal, float8, float8, text) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._unc_dagum_test_trans(internal, float8, float8, text, int, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'medres_unc_dagum_test_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text) IS 'Support function of dagum_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text) IS 'Support function of dagum_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text, float8) IS 'Support function of dagum_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dagum_trans(internal, float8, float8, text, text, text, float8, int, bigint) IS 'Support function of dagum_decomposition_ci: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dagum_test_trans(internal, float8, float8, text) IS 'Support function of dagum_between_test: transition, collects a row; not for direct use';
COMMENT ON FUNCTION @extschema@._unc_dagum_test_trans(internal, float8, float8, text, int, bigint) IS 'Support function of dagum_between_test: transition, collects a row; not for direct use';

CREATE AGGREGATE @extschema@.dagum_decomposition_ci(value float8, weight float8, grp text, component text) (
    SFUNC = @extschema@._unc_dagum_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_decomposition_ci(value float8, weight float8, grp text, component text,
                                                    method text) (
    SFUNC = @extschema@._unc_dagum_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_decomposition_ci(value float8, weight float8, grp text, component text,
                                                    method text, level float8) (
    SFUNC = @extschema@._unc_dagum_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_decomposition_ci(value float8, weight float8, grp text, component text,
                                                    method text, level float8, replicates int,
                                                    seed bigint) (
    SFUNC = @extschema@._unc_dagum_trans, STYPE = internal, FINALFUNC = @extschema@._unc_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_between_test(value float8, weight float8, grp text) (
    SFUNC = @extschema@._unc_dagum_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE @extschema@.dagum_between_test(value float8, weight float8, grp text,
                                                permutations int, seed bigint) (
    SFUNC = @extschema@._unc_dagum_test_trans, STYPE = internal, FINALFUNC = @extschema@._unc_test_final,
    COMBINEFUNC = @extschema@._unc_combine, SERIALFUNC = @extschema@._unc_serialize,
    DESERIALFUNC = @extschema@._unc_deserialize, PARALLEL = SAFE);

COMMENT ON AGGREGATE @extschema@.dagum_decomposition_ci(float8, float8, text, text) IS
    'Bootstrap percentile 95 % interval of a component of Dagum''s Gini decomposition by group';
COMMENT ON AGGREGATE @extschema@.dagum_decomposition_ci(float8, float8, text, text, text) IS
    'Bootstrap interval of a component of Dagum''s Gini decomposition by group, level 0.95';
COMMENT ON AGGREGATE @extschema@.dagum_decomposition_ci(float8, float8, text, text, text, float8) IS
    'Bootstrap interval of a component of Dagum''s Gini decomposition by group at the given level';
COMMENT ON AGGREGATE @extschema@.dagum_decomposition_ci(float8, float8, text, text, text, float8, int, int8) IS
    'Bootstrap interval of a component of Dagum''s Gini decomposition by group, with replicates and seed';
COMMENT ON AGGREGATE @extschema@.dagum_between_test(float8, float8, text) IS
    'Permutation test (999 permutations, seed 0) of Dagum''s net between-group Gini and its share of the Gini';
COMMENT ON AGGREGATE @extschema@.dagum_between_test(float8, float8, text, int, int8) IS
    'Permutation test of Dagum''s net between-group Gini, group labels shuffled with a seed';
