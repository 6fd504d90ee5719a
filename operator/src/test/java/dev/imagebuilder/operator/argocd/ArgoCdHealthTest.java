package dev.imagebuilder.operator.argocd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaString;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.Varargs;
import org.luaj.vm2.compiler.LuaC;
import org.luaj.vm2.lib.BaseLib;
import org.luaj.vm2.lib.TableLib;
import org.luaj.vm2.lib.VarArgFunction;
import org.luaj.vm2.lib.jse.JsePlatform;

/**
 * Runs the Argo CD health checks and actions under {@code helm/argocd} (Argo CD's
 * {@code resource_customizations} layout) against their {@code health_test.yaml} and
 * {@code action_test.yaml}, in a LuaJ sandbox shaped like Argo CD's default gopher-lua VM
 * ({@code util/lua/lua.go}: base, table and a "safe" os with only {@code time} and {@code date};
 * no string, math, io or debug library). As there, JSON null becomes nil and strings have no
 * metatable, so {@code ("x"):upper()} fails. {@code os.date}/{@code os.time} are pinned to
 * {@link #FIXED_TIME} so action outputs are exact.
 *
 * <p>LuaJ keeps the string metatable in a JVM-wide static ({@link LuaString#s_metatable}); it is
 * cleared around each test and restored after, and the class runs {@link Isolated} from others.
 */
@Isolated("clears LuaJ's JVM-wide string metatable while it runs")
class ArgoCdHealthTest {

  /** 2025-06-02T08:30:00Z, the clock the action testdata are written for. */
  static final long FIXED_TIME = 1748853000L;

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path CUSTOMIZATIONS = REPO.resolve("helm/argocd");

  static final YAMLMapper YAML = new YAMLMapper();
  static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** Argo CD's valid health codes; anything else becomes Unknown there. */
  static final Set<String> HEALTH_CODES =
      Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");

  /**
   * gopher-lua's base functions as Argo CD opens them, minus what reaches files or the real
   * globals (dofile, loadfile, module, getfenv, setfenv, _printregs); plus os, table, package and
   * require as Argo CD's VM has them, and obj.
   */
  static final Set<String> GLOBALS =
      Set.of("assert", "collectgarbage", "error", "getmetatable", "ipairs", "next", "pairs",
          "pcall", "print", "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber",
          "tostring", "type", "unpack", "xpcall", "load", "loadstring", "_G", "_VERSION",
          "table", "os", "package", "require", "obj");

  /** gopher-lua's table library, as far as LuaJ (Lua 5.2) has it: no getn or maxn. */
  static final Set<String> TABLE_FUNCTIONS = Set.of("concat", "insert", "remove", "sort");

  /**
   * os.date flags that gopher-lua renders like C's strftime. It renders others wrongly (%a
   * gives "mon", %x the time of day) or leaves them verbatim (%T, %D, %e, %j...).
   */
  static final String DATE_FLAGS = "AbBdFHImMpPSwXyYz";

  private LuaValue savedStringMetatable;

  @BeforeEach
  void dropStringMetatable() {
    savedStringMetatable = LuaString.s_metatable;
    LuaString.s_metatable = null;
  }

  @AfterEach
  void restoreStringMetatable() {
    LuaString.s_metatable = savedStringMetatable;
  }

  // ---------------------------------------------------------------- cases

  record Case(String kind, String name, Path script, Path input, JsonNode expected) {
    @Override
    public String toString() {
      return kind + " " + name;
    }
  }

  static Stream<Case> healthCases() {
    List<Case> cases = new ArrayList<>();
    for (Path test : find("health_test.yaml")) {
      Path dir = test.getParent();
      for (JsonNode t : readYaml(test).path("tests")) {
        String input = t.path("inputPath").asText();
        cases.add(new Case("health", name(dir.resolve(input)), dir.resolve("health.lua"),
            dir.resolve(input), t.path("healthStatus")));
      }
    }
    return cases.stream();
  }

  static Stream<Case> discoveryCases() {
    List<Case> cases = new ArrayList<>();
    for (Path test : find("action_test.yaml")) {
      Path dir = test.getParent();
      for (JsonNode t : readYaml(test).path("discoveryTests")) {
        String input = t.path("inputPath").asText();
        cases.add(new Case("discovery", name(dir.resolve(input)), dir.resolve("discovery.lua"),
            dir.resolve(input), t.path("result")));
      }
    }
    return cases.stream();
  }

  static Stream<Case> actionCases() {
    List<Case> cases = new ArrayList<>();
    for (Path test : find("action_test.yaml")) {
      Path dir = test.getParent();
      for (JsonNode t : readYaml(test).path("actionTests")) {
        String action = t.path("action").asText();
        String input = t.path("inputPath").asText();
        cases.add(new Case("action " + action, name(dir.resolve(input)),
            dir.resolve(action).resolve("action.lua"), dir.resolve(input),
            readYaml(dir.resolve(t.path("expectedOutputPath").asText()))));
      }
    }
    return cases.stream();
  }

  // ---------------------------------------------------------------- the cases

  @ParameterizedTest(name = "{0}")
  @MethodSource("healthCases")
  void health(Case c) {
    LuaValue result = run(c, readYaml(c.input()));

    assertThat(result.istable()).as("%s returns a table", c).isTrue();
    String status = result.get("status").optjstring(null);
    String message = result.get("message").optjstring(null);
    assertThat(status).as("%s: a health code Argo CD accepts", c).isIn(HEALTH_CODES);
    assertThat(new String[] {status, message}).as("%s: status and message", c)
        .containsExactly(c.expected().path("status").asText(null),
            c.expected().path("message").asText(null));
  }

  /**
   * The objects the operator wrote to a real API server read the same in Argo CD as in kstatus
   * (Flux, kpt): Healthy or Suspended is Current, Progressing is InProgress, Degraded is Failed.
   * The differences are chosen, and each is named here with its reason.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("healthCases")
  void argoCdAndKstatusAgree(Case c) {
    Map<String, String> chosen = Map.of(
        // Ready=True is kept while a transient failure is retried, so one throttled call does not
        // turn an application Progressing; kstatus reads Reconciling=True as InProgress.
        "ecs.imagebuilder.dev/ImagePipelineWatch/testdata/retrying.yaml", "InProgress",
        // Argo CD shows that nothing is polled; kstatus still reads the last poll's Stalled.
        "ecs.imagebuilder.dev/ImagePipelineWatch/testdata/suspended-and-stalled.yaml", "Failed",
        // Objects the operator has not written yet (no status): kstatus reads a resource without
        // status as Current; Argo CD waits for the operator.
        "ecs.imagebuilder.dev/ImagePipelineWatch/testdata/new.yaml", "Current",
        "ecs.imagebuilder.dev/ImagePipelineWatch/testdata/no-conditions.yaml", "Current",
        "ecs.imagebuilder.dev/ImagePipelineExecution/testdata/no-status.yaml", "Current");
    String argo = c.expected().path("status").asText();
    String asKstatus = switch (argo) {
      case "Healthy", "Suspended" -> "Current";
      case "Progressing" -> "InProgress";
      case "Degraded" -> "Failed";
      default -> throw new AssertionError(c + ": health " + argo);
    };
    assertThat(kstatus(readYaml(c.input()))).as("%s: kstatus of an object Argo CD shows %s", c, argo)
        .isEqualTo(chosen.getOrDefault(name(c.input()), asKstatus));
  }

  /** kstatus's generic rules (sigs.k8s.io/cli-utils pkg/kstatus/status, GetGenericStatus). */
  static String kstatus(JsonNode object) {
    if (!object.path("metadata").path("deletionTimestamp").isMissingNode()) {
      return "InProgress";
    }
    JsonNode observed = object.path("status").path("observedGeneration");
    if (observed.isNumber() && observed.asLong() != object.path("metadata").path("generation").asLong()) {
      return "InProgress";
    }
    String result = "Current";
    for (JsonNode condition : object.path("status").path("conditions")) {
      boolean isTrue = condition.path("status").asText().equals("True");
      if (isTrue && condition.path("type").asText().equals("Reconciling")) {
        return "InProgress";
      }
      if (isTrue && condition.path("type").asText().equals("Stalled")) {
        result = "Failed";
      }
    }
    return result;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("discoveryCases")
  void discovery(Case c) {
    LuaValue result = run(c, readYaml(c.input()));

    assertThat(result.istable()).as("%s returns a table", c).isTrue();
    Map<String, Boolean> actual = new TreeMap<>();
    for (LuaValue key : ((LuaTable) result).keys()) {
      LuaValue action = result.get(key);
      // As in Argo CD: an action is enabled unless "disabled" is true.
      actual.put(key.tojstring(), action.istable() && action.get("disabled").toboolean());
    }
    Map<String, Boolean> expected = new TreeMap<>();
    for (JsonNode action : c.expected()) {
      expected.put(action.path("name").asText(), action.path("disabled").asBoolean(false));
    }
    assertThat(actual).as("%s: actions and whether disabled", c).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("actionCases")
  void action(Case c) {
    JsonNode input = readYaml(c.input());
    LuaValue result = run(c, input);

    assertThat(result.istable()).as("%s returns the object", c).isTrue();
    assertThat(canonical(toJson(result, input))).as("%s: the object after the action", c)
        .isEqualTo(canonical(c.expected()));
  }

  @Test
  void everyCustomizationIsTestedAndEveryTestdataFileUsed() {
    assertThat(find("health.lua")).as("health checks under %s", CUSTOMIZATIONS).isNotEmpty();
    for (Path health : find("health.lua")) {
      assertThat(health.resolveSibling("health_test.yaml")).isRegularFile();
    }
    for (Path discovery : find("discovery.lua")) {
      assertThat(discovery.resolveSibling("action_test.yaml")).isRegularFile();
    }
    Set<Path> used = new HashSet<>();
    Stream.of(healthCases(), discoveryCases(), actionCases()).flatMap(s -> s)
        .forEach(c -> used.add(c.input().normalize()));
    for (Path test : find("action_test.yaml")) {
      for (JsonNode t : readYaml(test).path("actionTests")) {
        used.add(test.resolveSibling(t.path("expectedOutputPath").asText()).normalize());
      }
    }
    Set<Path> testdata = new TreeSet<>();
    for (Path yaml : find(".yaml")) {
      if (yaml.getParent().getFileName().toString().equals("testdata")) {
        testdata.add(yaml.normalize());
      }
    }
    assertThat(used).containsAll(testdata);
  }

  /**
   * reconcile is refresh under the name Argo CD gives that action on Flux's kinds. Argo CD reads
   * each action from a file of its own, so the script is there twice and must not drift.
   */
  @Test
  void reconcileIsRefreshUnderTheNameFluxKindsUse() throws IOException {
    List<Path> refreshes = find("action.lua").stream()
        .filter(p -> p.getParent().getFileName().toString().equals("refresh")).toList();
    assertThat(refreshes).isNotEmpty();
    for (Path refresh : refreshes) {
      Path reconcile = refresh.getParent().resolveSibling("reconcile").resolve("action.lua");
      assertThat(reconcile).as("reconcile beside %s", name(refresh)).isRegularFile();
      assertThat(Files.readString(reconcile)).as(name(reconcile)).isEqualTo(Files.readString(refresh));
    }
  }

  // ---------------------------------------------------------------- the sandbox itself

  @ParameterizedTest(name = "refuses: {0}")
  @ValueSource(strings = {
      "return string.format('%s', 'x')",
      "return ('x'):upper()",
      "return math.floor(1.5)",
      "return io.open('/dev/null')",
      "return os.execute('true')",
      "return os.getenv('HOME')",
      "return dofile('/dev/null')",
      "return require('string')",
      "return os.date('%j')",
  })
  void sandboxRefuses(String script) {
    // Control: a full LuaJ runs it, so the refusal below comes from the sandbox.
    try {
      JsePlatform.standardGlobals().load(script, "control").call();
    } finally {
      LuaString.s_metatable = null; // JsePlatform's string library set it
    }
    assertThatThrownBy(() -> runScript(script, "probe", JsonNodeFactory.instance.objectNode()))
        .isInstanceOf(LuaError.class);
  }

  @Test
  void sandboxOffersWhatArgoCdOffers() {
    LuaValue result = runScript("""
        local os2 = require("os")
        local t = {}
        table.insert(t, "b")
        table.insert(t, "a")
        table.sort(t)
        return {
          date = os2.date("!%Y-%m-%dT%H:%M:%SZ"),
          time = os.time(),
          sameOs = os2 == os,
          joined = table.concat(t, ","),
          length = #"four",
          concat = "n=" .. 3,
          noStringMetatable = getmetatable("") == nil,
          noGlobalsBeyondArgoCd = rawget(_G, "string") == nil and rawget(_G, "math") == nil,
          isNil = obj.gone == nil,
        }
        """, "probe", readTree("{\"gone\": null}"));

    assertThat(result.get("date").tojstring()).isEqualTo("2025-06-02T08:30:00Z");
    assertThat(result.get("time").tolong()).isEqualTo(FIXED_TIME);
    assertThat(result.get("joined").tojstring()).isEqualTo("a,b");
    assertThat(result.get("length").toint()).isEqualTo(4);
    assertThat(result.get("concat").tojstring()).isEqualTo("n=3");
    for (String flag : List.of("sameOs", "noStringMetatable", "noGlobalsBeyondArgoCd", "isNil")) {
      assertThat(result.get(flag).toboolean()).as(flag).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"argocd-cm", "helm", "operator"})
  void argocdCmCarriesEveryScriptVerbatim(String format) throws Exception {
    Process process = new ProcessBuilder("bash", REPO.resolve(".ci/argocd-cm.sh").toString(), "--format", format)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();

    JsonNode data = argocdCmData(format, YAML.readTree(out));
    Set<String> expectedKeys = new TreeSet<>();

    for (Path health : find("health.lua")) {
      String key = "resource.customizations.health." + configMapKey(health.getParent());
      expectedKeys.add(key);
      assertThat(data.path(key).asText(null)).as(key).isEqualTo(Files.readString(health));
    }
    for (Path discovery : find("discovery.lua")) {
      Path actionsDir = discovery.getParent();
      String key = "resource.customizations.actions." + configMapKey(actionsDir.getParent());
      expectedKeys.add(key);
      JsonNode actions = YAML.readTree(data.path(key).asText());
      assertThat(actions.path("discovery.lua").asText(null)).as(key)
          .isEqualTo(Files.readString(discovery));

      Map<String, String> definitions = new TreeMap<>();
      for (JsonNode definition : actions.path("definitions")) {
        definitions.put(definition.path("name").asText(), definition.path("action.lua").asText());
      }
      Map<String, String> files = new TreeMap<>();
      try (Stream<Path> dirs = Files.list(actionsDir)) {
        for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve("action.lua"))).toList()) {
          files.put(dir.getFileName().toString(), Files.readString(dir.resolve("action.lua")));
        }
      }
      assertThat(definitions).as(key).isEqualTo(files);
    }
    Set<String> keys = new TreeSet<>();
    data.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).isEqualTo(expectedKeys);
  }

  // ---------------------------------------------------------------- running Lua

  /** A fresh sandbox per run, as Argo CD makes a fresh VM per evaluation. */
  static Globals sandbox() {
    Globals g = new Globals();
    LuaTable loaded = new LuaTable();
    LuaTable pkg = new LuaTable();
    pkg.set("loaded", loaded);
    g.set("package", pkg); // LuaJ's TableLib registers itself in package.loaded
    g.load(new BaseLib());
    g.load(new TableLib());
    LoadState.install(g);
    LuaC.install(g);

    LuaTable table = (LuaTable) g.get("table");
    LuaValue unpack = table.get("unpack");
    LuaTable safeTable = new LuaTable();
    for (String name : TABLE_FUNCTIONS) {
      safeTable.set(name, table.get(name));
    }
    g.set("table", safeTable);
    g.set("unpack", unpack); // Lua 5.1's global unpack
    g.set("loadstring", g.get("load")); // Lua 5.1's name for load(string)

    LuaTable os = new LuaTable();
    os.set("time", new OsTime());
    os.set("date", new OsDate());
    g.set("os", os);

    // Argo CD preloads its safe os so that require("os") works; nothing else can be required.
    // (LuaJ's own require would also search the file system and Java classes.)
    for (LuaValue key : loaded.keys()) {
      loaded.set(key, LuaValue.NIL);
    }
    loaded.set("os", os);
    loaded.set("table", safeTable);
    g.set("require", new VarArgFunction() {
      @Override
      public Varargs invoke(Varargs args) {
        LuaValue module = loaded.get(args.checkjstring(1));
        if (module.isnil()) {
          throw new LuaError("module " + args.tojstring(1) + " not found");
        }
        return module;
      }
    });

    for (LuaValue key : g.keys()) {
      if (!GLOBALS.contains(key.tojstring())) {
        g.set(key, LuaValue.NIL);
      }
    }
    return g;
  }

  static LuaValue run(Case c, JsonNode obj) {
    try {
      return runScript(Files.readString(c.script()), name(c.script()), obj);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (LuaError e) {
      throw new AssertionError(c + ": " + e.getMessage(), e);
    }
  }

  static LuaValue runScript(String script, String chunkName, JsonNode obj) {
    assertThat(LuaString.s_metatable).as("string metatable during the run").isNull();
    Globals g = sandbox();
    g.set("obj", toLua(obj));
    return g.load(script, "@" + chunkName).call();
  }

  /** os.time as Argo CD's safe os has it, with now pinned to {@link #FIXED_TIME}. */
  static final class OsTime extends VarArgFunction {
    @Override
    public Varargs invoke(Varargs args) {
      if (args.narg() == 0 || args.isnil(1)) {
        return LuaValue.valueOf(FIXED_TIME);
      }
      LuaTable t = args.checktable(1);
      LocalDateTime local = LocalDateTime.of(t.get("year").checkint(), t.get("month").checkint(),
          t.get("day").checkint(), t.get("hour").optint(12), t.get("min").optint(0),
          t.get("sec").optint(0));
      return LuaValue.valueOf(local.atZone(ZoneId.systemDefault()).toEpochSecond());
    }
  }

  /**
   * os.date as Argo CD's safe os has it (with C's meaning of "!" and of the time argument),
   * limited to {@link #DATE_FLAGS}, with now pinned to {@link #FIXED_TIME}.
   */
  static final class OsDate extends VarArgFunction {
    @Override
    public Varargs invoke(Varargs args) {
      String format = args.optjstring(1, "%c");
      long epoch = args.isnil(2) ? FIXED_TIME : args.checklong(2);
      ZoneId zone = ZoneId.systemDefault();
      if (format.startsWith("!")) {
        zone = ZoneOffset.UTC;
        format = format.substring(1);
      }
      ZonedDateTime t = Instant.ofEpochSecond(epoch).atZone(zone);
      if (format.startsWith("*t")) {
        LuaTable r = new LuaTable();
        r.set("year", t.getYear());
        r.set("month", t.getMonthValue());
        r.set("day", t.getDayOfMonth());
        r.set("hour", t.getHour());
        r.set("min", t.getMinute());
        r.set("sec", t.getSecond());
        r.set("wday", t.getDayOfWeek().getValue() % 7 + 1);
        r.set("yday", 0); // gopher-lua leaves it 0
        r.set("isdst", LuaValue.FALSE);
        return r;
      }
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < format.length(); i++) {
        char c = format.charAt(i);
        if (c != '%' || i + 1 == format.length()) {
          out.append(c);
          continue;
        }
        char flag = format.charAt(++i);
        if (flag == '%') {
          out.append('%');
        } else if (DATE_FLAGS.indexOf(flag) < 0) {
          throw new LuaError("os.date: %" + flag + " is not rendered like C by Argo CD's os.date");
        } else {
          out.append(strftime(t, flag));
        }
      }
      return LuaValue.valueOf(out.toString());
    }

    private static String strftime(ZonedDateTime t, char flag) {
      return switch (flag) {
        case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ROOT);
        case 'b' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT);
        case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ROOT);
        case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
        case 'p' -> t.getHour() < 12 ? "AM" : "PM";
        case 'P' -> t.getHour() < 12 ? "am" : "pm";
        default -> t.format(DateTimeFormatter.ofPattern(switch (flag) {
          case 'd' -> "dd";
          case 'F' -> "yyyy-MM-dd";
          case 'H' -> "HH";
          case 'I' -> "hh";
          case 'm' -> "MM";
          case 'M' -> "mm";
          case 'S' -> "ss";
          case 'X' -> "HH:mm:ss";
          case 'y' -> "yy";
          case 'Y' -> "yyyy";
          case 'z' -> "xx";
          default -> throw new IllegalStateException("flag " + flag);
        }, Locale.ROOT));
      };
    }
  }

  // ---------------------------------------------------------------- JSON <-> Lua

  /** Like Argo CD's decodeValue: objects and arrays become tables, JSON null becomes nil. */
  static LuaValue toLua(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return LuaValue.NIL;
    }
    if (node.isObject()) {
      LuaTable t = new LuaTable();
      node.fields().forEachRemaining(e -> t.set(e.getKey(), toLua(e.getValue())));
      return t;
    }
    if (node.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        t.set(i + 1, toLua(node.get(i)));
      }
      return t;
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.booleanValue());
    }
    if (node.isIntegralNumber()) {
      return LuaValue.valueOf(node.longValue());
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.doubleValue());
    }
    return LuaValue.valueOf(node.asText());
  }

  /**
   * Like Argo CD's luajson.Encode followed by cleanReturnedObj: a table with keys 1..n is an
   * array; an empty table is an empty array unless the input had an object at the same place.
   */
  static JsonNode toJson(LuaValue value, JsonNode before) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    // By type, not by LuaJ's isnumber()/isstring(), which accept "42" and 42 alike.
    switch (value.type()) {
      case LuaValue.TNIL:
        return f.nullNode();
      case LuaValue.TBOOLEAN:
        return f.booleanNode(value.toboolean());
      case LuaValue.TNUMBER: {
        double d = value.todouble();
        return d == Math.rint(d) && Math.abs(d) < 0x1p53 ? f.numberNode((long) d) : f.numberNode(d);
      }
      case LuaValue.TSTRING:
        return f.textNode(value.tojstring());
      case LuaValue.TTABLE:
        break;
      default:
        throw new AssertionError("cannot encode a " + value.typename() + " as JSON");
    }
    LuaTable t = (LuaTable) value;
    LuaValue[] keys = t.keys();
    if (keys.length == 0) {
      return before != null && before.isObject() ? f.objectNode() : f.arrayNode();
    }
    if (t.length() == keys.length) {
      ArrayNode array = f.arrayNode();
      for (int i = 1; i <= keys.length; i++) {
        array.add(toJson(t.get(i), before != null ? before.get(i - 1) : null));
      }
      return array;
    }
    ObjectNode object = f.objectNode();
    for (LuaValue key : keys) {
      String name = key.tojstring();
      object.set(name, toJson(t.get(key), before != null ? before.get(name) : null));
    }
    return object;
  }

  /** Sorted, indented JSON: equal objects give equal text and a readable diff. */
  static String canonical(JsonNode node) {
    try {
      return JSON.writeValueAsString(JSON.treeToValue(node, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- files

  static List<Path> find(String suffix) {
    try (Stream<Path> files = Files.walk(CUSTOMIZATIONS)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix))
          .filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readYaml(Path path) {
    try {
      return YAML.readTree(path.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readTree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The path below helm/argocd/, e.g. ecs.imagebuilder.dev/ImagePipelineWatch/health.lua. */
  static String name(Path path) {
    return CUSTOMIZATIONS.relativize(path.normalize()).toString();
  }

  /**
   * The argocd-cm entries each install form carries: the ConfigMap's data, the argo-cd Helm chart's
   * configs.cm, or argocd-operator's resourceHealthChecks and resourceActions (from which the
   * operator writes the same argocd-cm keys).
   */
  static JsonNode argocdCmData(String format, JsonNode document) {
    switch (format) {
      case "argocd-cm" -> {
        assertThat(document.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(document.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
        return document.path("data");
      }
      case "helm" -> {
        assertThat(document.path("configs").path("cm").isObject()).as("configs.cm").isTrue();
        return document.path("configs").path("cm");
      }
      case "operator" -> {
        var data = YAML.createObjectNode();
        for (JsonNode check : document.path("spec").path("resourceHealthChecks")) {
          data.put("resource.customizations.health." + check.path("group").asText() + "_" + check.path("kind").asText(),
              check.path("check").asText());
        }
        for (JsonNode action : document.path("spec").path("resourceActions")) {
          data.put("resource.customizations.actions." + action.path("group").asText() + "_" + action.path("kind").asText(),
              action.path("action").asText());
        }
        return data;
      }
      default -> throw new IllegalArgumentException(format);
    }
  }

  /** &lt;group&gt;_&lt;Kind&gt; as Argo CD's argocd-cm keys spell it. */
  static String configMapKey(Path kindDir) {
    return kindDir.getParent().getFileName() + "_" + kindDir.getFileName();
  }
}
