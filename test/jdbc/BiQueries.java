// Runs every documented BI query of doc/bi.md through JDBC, as a BI tool would, and checks
// that every column arrives as a plain Java scalar (Double, Long, Integer, String, Boolean,
// never PGobject, PgArray or BigDecimal) holding the expected value.
//
//   java -cp test/jdbc/classes:/usr/share/java/postgresql.jar BiQueries doc/bi.md
//
// Run from the repository root by test/jdbc/run.sh, which first creates the page's tables
// (its setup blocks, through psql).  The connection comes from PGHOST, PGPORT, PGUSER and
// PGDATABASE; a PGHOST that is a directory is reached through its Unix socket
// (UnixSocketFactory.java), any other over TCP.
//
// The queries are read from the page itself: each ```sql block followed by an output block is
// one query, and each must be claimed by exactly one check below (a query no check knows, or a
// check whose query is gone from the page, fails).  The expected values are independent of
// medres:
//   lorenz, ge_decomposition, rsr_fit, rsr_table  the oracles' figures in test/oracle/
//       (mpmath at 60 digits: expected.csv, evaluation_expected.csv) and plain sums over
//       data/province_resources_2020.csv;
//   hclust_steps  scipy's heights and cluster memberships (cluster_expected.csv), the merges
//       rebuilt from the memberships, plus a 4-unit tree derived by hand;
//   moran  a hand derivation on four cells in a row (in the comment of checkMoran).
// Prints "ok N - ..." / "not ok N - ..." lines, then "1..N" and "P passed, F failed".
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

public class BiQueries {
    static int n = 0, failed = 0;

    static void ok(boolean cond, String what) {
        n++;
        if (!cond) failed++;
        System.out.println((cond ? "ok " : "not ok ") + n + " - " + what);
    }

    static void skip(String what, String why) {
        n++;
        System.out.println("ok " + n + " - " + what + " # skip " + why);
    }

    // ---------------------------------------------------------------- rows of a result

    /** One result: the column names and the values exactly as getObject returned them. */
    static final class Result {
        final List<String> cols = new ArrayList<>();
        final List<Object[]> rows = new ArrayList<>();

        int col(String name) {
            int i = cols.indexOf(name);
            if (i < 0) throw new IllegalStateException("no column " + name + " in " + cols);
            return i;
        }

        Object get(int row, String name) {
            return rows.get(row)[col(name)];
        }

        double d(int row, String name) {
            return ((Number) get(row, name)).doubleValue();
        }
    }

    static Result query(Connection c, String sql) throws SQLException {
        Result r = new Result();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            for (int i = 1; i <= md.getColumnCount(); i++) r.cols.add(md.getColumnLabel(i));
            while (rs.next()) {
                Object[] row = new Object[r.cols.size()];
                for (int i = 0; i < row.length; i++) row[i] = rs.getObject(i + 1);
                r.rows.add(row);
            }
        }
        return r;
    }

    static final Set<Class<?>> SCALARS = new HashSet<>(Arrays.asList(
            Double.class, Long.class, Integer.class, String.class, Boolean.class));

    /**
     * Every column of every row is one of the plain classes named in `types` (by column, "D"
     * Double, "L" Long, "I" Integer, "S" String, "B" Boolean); NULL only in the columns of
     * `nullable`.
     */
    static void checkClasses(String what, Result r, String types, Set<String> nullable) {
        StringBuilder bad = new StringBuilder();
        if (types.length() != r.cols.size())
            bad.append(" expected ").append(types.length()).append(" columns, got ").append(r.cols);
        for (Object[] row : r.rows)
            for (int i = 0; i < row.length; i++) {
                Object o = row[i];
                String col = r.cols.get(i);
                if (o == null) {
                    if (!nullable.contains(col)) bad.append(" NULL in ").append(col);
                    continue;
                }
                Class<?> want = i >= types.length() ? null : switch (types.charAt(i)) {
                    case 'D' -> Double.class;
                    case 'L' -> Long.class;
                    case 'I' -> Integer.class;
                    case 'S' -> String.class;
                    default -> Boolean.class;
                };
                if (!SCALARS.contains(o.getClass()) || o.getClass() != want)
                    bad.append(" ").append(col).append(" is ").append(o.getClass().getName());
            }
        ok(bad.length() == 0 && !r.rows.isEmpty(),
                what + ": every column arrives as " + describe(types) + (bad.length() > 0 ? " —" + dedupe(bad) : ""));
    }

    static String describe(String types) {
        TreeSet<String> s = new TreeSet<>();
        for (char t : types.toCharArray())
            s.add(switch (t) { case 'D' -> "Double"; case 'L' -> "Long"; case 'I' -> "Integer";
                               case 'S' -> "String"; default -> "Boolean"; });
        return String.join("/", s);
    }

    static String dedupe(StringBuilder b) {
        return String.join(" ", new TreeSet<>(Arrays.asList(b.toString().trim().split(" (?=\\w+ is |NULL )"))));
    }

    static boolean close(double got, double want, double rel) {
        return Math.abs(got - want) <= rel * Math.abs(want) + 1e-15;
    }

    /** All values of a numeric column against the expected ones, to a relative tolerance. */
    static void checkColumn(String what, Result r, String col, double[] want, double rel) {
        String bad = null;
        if (r.rows.size() != want.length) bad = r.rows.size() + " rows, expected " + want.length;
        else
            for (int i = 0; i < want.length && bad == null; i++)
                if (!close(r.d(i, col), want[i], rel))
                    bad = "row " + (i + 1) + ": " + r.get(i, col) + ", expected " + want[i];
        ok(bad == null, what + ": " + col + (bad == null ? " as expected" : " — " + bad));
    }

    // ---------------------------------------------------------------- CSV files

    /** A small CSV reader (quoted fields with doubled quotes), header row included. */
    static List<String[]> csv(Path p) throws Exception {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(p)) {
            List<String> f = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            boolean q = false;
            for (int i = 0; i < line.length(); i++) {
                char ch = line.charAt(i);
                if (q) {
                    if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') { cur.append('"'); i++; }
                    else if (ch == '"') q = false;
                    else cur.append(ch);
                } else if (ch == '"') q = true;
                else if (ch == ',') { f.add(cur.toString()); cur.setLength(0); }
                else cur.append(ch);
            }
            f.add(cur.toString());
            out.add(f.toArray(new String[0]));
        }
        return out;
    }

    /** test/oracle/expected.csv: case_id,measure,param -> expected */
    static Map<String, Double> inequality = new HashMap<>();
    /** test/oracle/evaluation_expected.csv: case_id,unit,measure,param -> expected */
    static Map<String, Double> evaluation = new HashMap<>();

    static double oracle(Map<String, Double> m, String key) {
        Double v = m.get(key);
        if (v == null) throw new IllegalStateException("no oracle figure " + key);
        return v;
    }

    // ---------------------------------------------------------------- the province table

    static final class Province {
        String name, region;
        double institutions, personnel, beds, expense, population;
    }

    static List<Province> provinces = new ArrayList<>();

    // ---------------------------------------------------------------- the checks

    /** lorenz_points over the eastern provinces: the oracle's case provinces_east. */
    static void checkLorenz(Result r) {
        checkClasses("lorenz_points", r, "IDD", Set.of());
        int k = 0;
        while (inequality.containsKey("provinces_east,lorenz_p," + k)) k++;
        double[] p = new double[k], l = new double[k], pt = new double[k];
        for (int i = 0; i < k; i++) {
            p[i] = oracle(inequality, "provinces_east,lorenz_p," + i);
            l[i] = oracle(inequality, "provinces_east,lorenz_l," + i);
            pt[i] = i + 1;
        }
        checkColumn("lorenz_points", r, "point", pt, 0);
        checkColumn("lorenz_points", r, "population_share", p, 1e-12);
        checkColumn("lorenz_points", r, "resource_share", l, 1e-12);
    }

    /** The scalar fields of ge_decomposition (Theil T, alpha 1, by region). */
    static void checkDecompositionTotals(Result r) {
        checkClasses("ge_decomposition totals", r, "DDDDDD", Set.of());
        double total = oracle(inequality, "provinces,dec_total,1");
        double between = oracle(inequality, "provinces,dec_between,1");
        double within = oracle(inequality, "provinces,dec_within,1");
        checkColumn("ge_decomposition totals", r, "alpha", new double[] {1}, 0);
        checkColumn("ge_decomposition totals", r, "total", new double[] {total}, 1e-12);
        checkColumn("ge_decomposition totals", r, "between", new double[] {between}, 1e-12);
        checkColumn("ge_decomposition totals", r, "within", new double[] {within}, 1e-12);
        checkColumn("ge_decomposition totals", r, "between_share", new double[] {between / total}, 1e-12);
        checkColumn("ge_decomposition totals", r, "within_share", new double[] {within / total}, 1e-12);
    }

    /**
     * decomposition_groups: counts, shares and means are plain sums over the data file (the
     * value is beds/population weighted by population, so w·x is the beds); each group's Theil
     * T and contribution come from the oracle.
     */
    static void checkDecompositionGroups(Result r) {
        checkClasses("decomposition_groups", r, "SLDDDDDD", Set.of());
        String[] groups = {"east", "middle", "west"};
        double popAll = 0, bedsAll = 0;
        for (Province p : provinces) { popAll += p.population; bedsAll += p.beds; }
        double total = oracle(inequality, "provinces,dec_total,1");
        double[] cnt = new double[3], ps = new double[3], rs = new double[3], mean = new double[3],
                idx = new double[3], con = new double[3], cs = new double[3];
        boolean names = r.rows.size() == 3;
        for (int g = 0; g < 3; g++) {
            double pop = 0, beds = 0;
            for (Province p : provinces)
                if (p.region.equals(groups[g])) { cnt[g]++; pop += p.population; beds += p.beds; }
            ps[g] = pop / popAll;
            rs[g] = beds / bedsAll;
            mean[g] = beds / pop;
            idx[g] = oracle(inequality, "provinces,dec_group_index,1:" + groups[g]);
            con[g] = oracle(inequality, "provinces,dec_group_contribution,1:" + groups[g]);
            cs[g] = con[g] / total;
            names = names && groups[g].equals(r.get(g, "grp"));
        }
        ok(names, "decomposition_groups: groups east, middle, west in that order");
        checkColumn("decomposition_groups", r, "n", cnt, 0);
        checkColumn("decomposition_groups", r, "population_share", ps, 1e-13);
        checkColumn("decomposition_groups", r, "resource_share", rs, 1e-13);
        checkColumn("decomposition_groups", r, "mean", mean, 1e-13);
        checkColumn("decomposition_groups", r, "index", idx, 1e-11);
        checkColumn("decomposition_groups", r, "contribution", con, 1e-11);
        checkColumn("decomposition_groups", r, "contribution_share", cs, 1e-11);
    }

    static void checkRsrFit(Result r) {
        checkClasses("rsr_fit fields", r, "LIDDDDD", Set.of());
        checkColumn("rsr_fit fields", r, "n", new double[] {provinces.size()}, 0);
        checkColumn("rsr_fit fields", r, "distinct_values",
                new double[] {oracle(evaluation, "provinces,0,fit_distinct,")}, 0);
        for (String f : new String[] {"intercept", "slope", "r_squared", "f"})
            checkColumn("rsr_fit fields", r, f, new double[] {oracle(evaluation, "provinces,0,fit_" + f + ",")}, 1e-11);
        checkColumn("rsr_fit fields", r, "p_value", new double[] {oracle(evaluation, "provinces,0,fit_p_value,")}, 1e-9);
    }

    /** Three grades (the default): cut probits 2 + 6j/3 = 4 and 6 by hand, scores from the oracle. */
    static void checkRsrFitCuts(Result r) {
        checkClasses("rsr_fit_cuts", r, "IDDII", Set.of());
        checkColumn("rsr_fit_cuts", r, "cut", new double[] {1, 2}, 0);
        checkColumn("rsr_fit_cuts", r, "cut_probit", new double[] {4, 6}, 0);
        checkColumn("rsr_fit_cuts", r, "cut_score", new double[] {
                oracle(evaluation, "provinces,0,fit_cut_score,3:1"),
                oracle(evaluation, "provinces,0,fit_cut_score,3:2")}, 1e-11);
        checkColumn("rsr_fit_cuts", r, "grade_below", new double[] {3, 2}, 0);
        checkColumn("rsr_fit_cuts", r, "grade_above", new double[] {2, 1}, 0);
    }

    /**
     * rsr_table, rebuilt from the oracle's score and probit (rank method) of each province:
     * one row per distinct score, f its count, cum_f the running count, mean rank
     * cum_f − (f − 1)/2, percentile mean_rank/n (1 − 1/(4n) for the last), fitted a + b·probit.
     */
    static void checkRsrTable(Result r) {
        checkClasses("rsr_table", r, "DLLDDDD", Set.of());
        int units = provinces.size();
        java.util.TreeMap<Double, double[]> byValue = new java.util.TreeMap<>();
        for (int u = 1; u <= units; u++) {
            double s = oracle(evaluation, "provinces," + u + ",rsr,");
            double pr = oracle(evaluation, "provinces," + u + ",probit,rank");
            byValue.computeIfAbsent(s, k -> new double[] {0, pr})[0]++;
        }
        double a = oracle(evaluation, "provinces,0,fit_intercept,");
        double b = oracle(evaluation, "provinces,0,fit_slope,");
        int k = byValue.size();
        double[] value = new double[k], f = new double[k], cum = new double[k], mr = new double[k],
                pct = new double[k], probit = new double[k], fitted = new double[k];
        int i = 0;
        double c = 0;
        for (Map.Entry<Double, double[]> e : byValue.entrySet()) {
            value[i] = e.getKey();
            f[i] = e.getValue()[0];
            c += f[i];
            cum[i] = c;
            mr[i] = c - (f[i] - 1) / 2;
            pct[i] = i == k - 1 ? 1 - 1.0 / (4 * units) : mr[i] / units;
            probit[i] = e.getValue()[1];
            fitted[i] = a + b * probit[i];
            i++;
        }
        checkColumn("rsr_table", r, "value", value, 1e-15);
        checkColumn("rsr_table", r, "f", f, 0);
        checkColumn("rsr_table", r, "cum_f", cum, 0);
        checkColumn("rsr_table", r, "mean_rank", mr, 0);
        checkColumn("rsr_table", r, "percentile", pct, 1e-15);
        checkColumn("rsr_table", r, "probit", probit, 1e-13);
        checkColumn("rsr_table", r, "fitted", fitted, 1e-12);
    }

    /** The members (labels) of the side of a step: a unit's label, or a step's cluster. */
    static List<String> members(Result r, int row, String side, Map<Integer, List<String>> memo) {
        Object label = r.get(row, side + "_label");
        if (label != null) return List.of((String) label);
        return memo.get((Integer) r.get(row, side + "_step"));
    }

    /**
     * hclust_steps of the provinces (average linkage, squared Euclidean, z-scores): heights
     * from scipy; every province a leaf exactly once; each side either a label or an earlier
     * step; sizes the count of leaves below; and the last four merges join exactly the
     * clusters that scipy's fcluster gives for k = 5, 4, 3, 2, 1 clusters.
     */
    static void checkHclustProvinces(Result r, List<String[]> cases, List<String[]> expected) {
        checkClasses("hclust_steps", r, "ISISIDI", Set.of("left_label", "left_step", "right_label", "right_step"));
        int units = provinces.size();
        double[] h = new double[units - 1], steps = new double[units - 1];
        for (String[] e : expected)
            if (e[0].equals("provinces") && e[1].equals("average") && e[2].equals("sqeuclidean")
                    && e[3].equals("zscore") && e[4].equals("height"))
                h[Integer.parseInt(e[5]) - 1] = Double.parseDouble(e[7]);
        for (int i = 0; i < units - 1; i++) steps[i] = i + 1;
        checkColumn("hclust_steps", r, "step", steps, 0);
        checkColumn("hclust_steps", r, "height", h, 1e-9);

        // each side is exactly one of a label and an earlier step; build the members
        Map<Integer, List<String>> memo = new HashMap<>();
        List<String> leaves = new ArrayList<>();
        String bad = null;
        for (int i = 0; i < r.rows.size() && bad == null; i++) {
            List<String> all = new ArrayList<>();
            for (String side : new String[] {"left", "right"}) {
                Object lab = r.get(i, side + "_label"), st = r.get(i, side + "_step");
                if ((lab == null) == (st == null)) bad = "step " + (i + 1) + " " + side + ": label " + lab + ", step " + st;
                else if (st != null && ((Integer) st < 1 || (Integer) st > i)) bad = "step " + (i + 1) + " refers to step " + st;
                else {
                    if (lab != null) leaves.add((String) lab);
                    all.addAll(members(r, i, side, memo));
                }
            }
            if (bad == null && ((Integer) r.get(i, "size")) != all.size())
                bad = "step " + (i + 1) + " has size " + r.get(i, "size") + " over " + all.size() + " units";
            memo.put(i + 1, all);
        }
        TreeSet<String> names = new TreeSet<>();
        for (Province p : provinces) names.add(p.name);
        ok(bad == null && leaves.size() == units && new TreeSet<>(leaves).equals(names),
                "hclust_steps: every province is named once, each side is a label or an earlier step, sizes count the units"
                        + (bad == null ? "" : " — " + bad));

        // scipy's partitions for k = 2..5 by label (k = 1: everyone)
        Map<String, String> unitLabel = new HashMap<>();
        for (String[] c : cases) if (c[0].equals("provinces")) unitLabel.put(c[1], c[2]);
        Map<Integer, Map<String, Set<String>>> part = new HashMap<>();
        for (String[] e : expected)
            if (e[0].equals("provinces") && e[1].equals("average") && e[2].equals("sqeuclidean")
                    && e[3].equals("zscore") && e[4].equals("cluster_k"))
                part.computeIfAbsent(Integer.parseInt(e[5]), x -> new HashMap<>())
                        .computeIfAbsent(e[7], x -> new TreeSet<>()).add(unitLabel.get(e[6]));
        part.put(1, Map.of("1", new TreeSet<>(names)));
        for (int k = 4; k >= 1; k--) {
            int step = units - k;           // after step s, n − s clusters remain
            Set<Set<String>> before = new HashSet<>(part.get(k + 1).values());
            Set<Set<String>> after = new HashSet<>(part.get(k).values());
            int row = step - 1;
            Set<String> left = new TreeSet<>(members(r, row, "left", memo));
            Set<String> right = new TreeSet<>(members(r, row, "right", memo));
            Set<String> both = new TreeSet<>(left);
            both.addAll(right);
            ok(before.contains(left) && before.contains(right) && after.contains(both),
                    "hclust_steps: step " + step + " joins two of scipy's " + (k + 1) + " clusters into one of its " + k
                            + " (" + abbreviate(left) + " + " + abbreviate(right) + ")");
        }
    }

    static String abbreviate(Set<String> s) {
        return s.size() <= 3 ? String.join(", ", s) : s.size() + " provinces";
    }

    /**
     * A tree small enough to derive by hand.  Units delta 0, Alpha 1, charlie 5, bravo 7, echo
     * with NULL features (left out of hclust_tree and, by FILTER, of the labels); single
     * linkage on plain Euclidean distances.  Leaves in byte order: Alpha 0, bravo 1,
     * charlie 2, delta 3.  Step 1 joins Alpha and delta at 1, step 2 bravo and charlie at 2,
     * step 3 the two clusters at min |x − y| = 5 − 1 = 4.
     */
    static void checkHclustByHand(Connection c) throws SQLException {
        String sql = "SELECT s.* FROM (SELECT medres.hclust_tree(f, l, 'single', 'euclidean', 'none') AS tree, "
                + "array_agg(l) FILTER (WHERE f IS NOT NULL) AS labels "
                + "FROM (VALUES (ARRAY[0.0]::float8[], 'delta'), (ARRAY[1.0], 'Alpha'), (ARRAY[5.0], 'charlie'), "
                + "(ARRAY[7.0], 'bravo'), (NULL, 'echo')) v(f, l)) t, medres.hclust_steps(t.tree, t.labels) AS s";
        Result r = query(c, sql);
        checkClasses("hclust_steps by hand", r, "ISISIDI", Set.of("left_label", "left_step", "right_label", "right_step"));
        List<String> got = new ArrayList<>();
        for (Object[] row : r.rows) got.add(Arrays.toString(row));
        List<String> want = List.of("[1, Alpha, null, delta, null, 1.0, 2]",
                "[2, bravo, null, charlie, null, 2.0, 2]", "[3, null, 1, null, 2, 4.0, 4]");
        ok(got.equals(want), "hclust_steps by hand: " + got);
        // labels that do not match the tree's units: SQLSTATE 22023
        String state = null;
        try {
            query(c, sql.replace(" FILTER (WHERE f IS NOT NULL)", ""));
        } catch (SQLException e) {
            state = e.getSQLState();
        }
        ok("22023".equals(state), "hclust_steps with one label too many fails with 22023 (got " + state + ")");
    }

    /**
     * moran on cells 1-2-3-4 in a row, values 1, 2, 3, 4, weight 1 between neighbours both ways.
     * z = (−1.5, −0.5, 0.5, 1.5), Σz² = 5, Σ w_ij z_i z_j = 2(0.75 − 0.25 + 0.75) = 2.5,
     * S0 = 6, so I = (4/6)(2.5/5) = 1/3 and E[I] = −1/3.  S1 = ½·6·2² = 12, S2 = 2² + 4² + 4² +
     * 2² = 40: Var_N = (16·12 − 4·40 + 3·36)/(3·5·36) − 1/9 = 4/27, z_N = (2/3)/√(4/27) = √3.
     * k = (Σz⁴/n)/(Σz²/n)² = 2.5625/1.5625 = 1.64: Var_R = [4(7·12 − 160 + 108)
     * − 1.64(12·12 − 320 + 216)]/(3·2·1·36) − 1/9 = 8/45, z_R = (2/3)/√(8/45) = √2.5.
     * Two-sided p = erfc(z/√2): 0.08326451666355043 and 0.11384629800665803 (Python's
     * math.erfc).  The permutation p-value is random: only its range is checked.
     */
    static void checkMoran(Result r) {
        checkClasses("moran", r, "IDDDDDDDDDI", Set.of());
        checkColumn("moran", r, "n", new double[] {4}, 0);
        checkColumn("moran", r, "i", new double[] {1.0 / 3}, 1e-14);
        checkColumn("moran", r, "expected", new double[] {-1.0 / 3}, 1e-14);
        checkColumn("moran", r, "variance_normal", new double[] {4.0 / 27}, 1e-14);
        checkColumn("moran", r, "z_normal", new double[] {Math.sqrt(3)}, 1e-14);
        checkColumn("moran", r, "p_normal", new double[] {0.08326451666355043}, 1e-12);
        checkColumn("moran", r, "variance_random", new double[] {8.0 / 45}, 1e-14);
        checkColumn("moran", r, "z_random", new double[] {Math.sqrt(2.5)}, 1e-14);
        checkColumn("moran", r, "p_random", new double[] {0.11384629800665803}, 1e-12);
        checkColumn("moran", r, "permutations", new double[] {999}, 0);
        double p = r.rows.isEmpty() ? -1 : r.d(0, "p_permutation");
        ok(p >= 1.0 / 1000 && p <= 1, "moran: p_permutation " + p + " lies in [1/1000, 1]");
    }

    // ---------------------------------------------------------------- the page

    /** The ```sql blocks of a page that are followed by an output block: its examples. */
    static List<String> examples(Path page) throws Exception {
        List<String> lines = Files.readAllLines(page), out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals("```sql")) continue;
            StringBuilder b = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).equals("```")) b.append(lines.get(j++)).append('\n');
            int k = j + 1;
            while (k < lines.size() && lines.get(k).isBlank()) k++;
            if (k < lines.size() && lines.get(k).equals("```")) out.add(b.toString().trim());
            i = j;
        }
        return out;
    }

    static Connection connect() throws SQLException {
        String host = System.getenv().getOrDefault("PGHOST", "localhost");
        String port = System.getenv().getOrDefault("PGPORT", "5432");
        String user = System.getenv().getOrDefault("PGUSER", System.getProperty("user.name"));
        String db = System.getenv().getOrDefault("PGDATABASE", user);
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("ApplicationName", "medres test/jdbc");
        String url;
        if (host.startsWith("/")) {
            props.setProperty("socketFactory", "UnixSocketFactory");
            props.setProperty("socketFactoryArg", host + "/.s.PGSQL." + port);
            props.setProperty("sslmode", "disable");
            props.setProperty("gssEncMode", "disable");
            url = "jdbc:postgresql://localhost:" + port + "/" + db;
        } else {
            url = "jdbc:postgresql://" + host + ":" + port + "/" + db;
        }
        return DriverManager.getConnection(url, props);
    }

    public static void main(String[] args) throws Exception {
        Path page = Path.of(args.length > 0 ? args[0] : "doc/bi.md");
        for (String[] e : csv(Path.of("test/oracle/expected.csv")))
            if (!e[0].equals("case_id")) inequality.put(e[0] + "," + e[1] + "," + e[2], Double.parseDouble(e[3]));
        for (String[] e : csv(Path.of("test/oracle/evaluation_expected.csv")))
            if (!e[0].equals("case_id")) evaluation.put(e[0] + "," + e[1] + "," + e[2] + "," + e[3], Double.parseDouble(e[4]));
        for (String[] e : csv(Path.of("data/province_resources_2020.csv"))) {
            if (e[0].equals("province")) continue;
            Province p = new Province();
            p.name = e[0]; p.region = e[1]; p.institutions = Double.parseDouble(e[2]);
            p.personnel = Double.parseDouble(e[3]); p.beds = Double.parseDouble(e[4]);
            p.expense = Double.parseDouble(e[5]); p.population = Double.parseDouble(e[6]);
            provinces.add(p);
        }
        List<String[]> clusterCases = csv(Path.of("test/oracle/cluster_cases.csv"));
        List<String[]> clusterExpected = csv(Path.of("test/oracle/cluster_expected.csv"));

        // which check claims a query: the first key found in its text
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("medres.lorenz_points(", "lorenz");
        claims.put("(d).total", "decomposition totals");
        claims.put("medres.decomposition_groups(", "decomposition groups");
        claims.put("medres.rsr_fit_cuts(", "rsr_fit cuts");
        claims.put("(f).intercept", "rsr_fit fields");
        claims.put("medres.rsr_table(", "rsr_table");
        claims.put("medres.hclust_steps(", "hclust_steps");
        claims.put("medres.moran(", "moran");
        Set<String> seen = new HashSet<>();

        try (Connection c = connect()) {
            ok(true, "connected through " + (System.getenv().getOrDefault("PGHOST", "").startsWith("/")
                    ? "the Unix socket in " + System.getenv("PGHOST") : "TCP") + " as "
                    + c.getMetaData().getUserName() + " (" + c.getMetaData().getDriverName() + " "
                    + c.getMetaData().getDriverVersion() + ")");
            boolean spatial = !query(c, "SELECT 1 FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace "
                    + "WHERE s.nspname = 'medres' AND p.proname = 'moran'").rows.isEmpty();
            for (String sql : examples(page)) {
                String check = null;
                for (Map.Entry<String, String> e : claims.entrySet())
                    if (sql.contains(e.getKey())) { check = e.getValue(); break; }
                if (check == null) {
                    ok(false, page + " has a query no check knows: " + sql.replaceAll("\\s+", " "));
                    continue;
                }
                seen.add(check);
                if (check.equals("moran") && !spatial) {
                    skip("moran", "medres_postgis is not installed here");
                    continue;
                }
                Result r;
                try {
                    r = query(c, sql);
                } catch (SQLException e) {
                    ok(false, check + ": the documented query fails: " + e.getMessage());
                    continue;
                }
                switch (check) {
                    case "lorenz" -> checkLorenz(r);
                    case "decomposition totals" -> checkDecompositionTotals(r);
                    case "decomposition groups" -> checkDecompositionGroups(r);
                    case "rsr_fit fields" -> checkRsrFit(r);
                    case "rsr_fit cuts" -> checkRsrFitCuts(r);
                    case "rsr_table" -> checkRsrTable(r);
                    case "hclust_steps" -> checkHclustProvinces(r, clusterCases, clusterExpected);
                    default -> checkMoran(r);
                }
            }
            checkHclustByHand(c);
        }
        Set<String> missing = new TreeSet<>(claims.values());
        missing.removeAll(seen);
        ok(missing.isEmpty(), page + " documents a query for each of the six results" +
                (missing.isEmpty() ? "" : " — missing: " + missing));
        System.out.println("1.." + n);
        System.out.println((n - failed) + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
