/**
 * The response template of the shared CORS preflight (a MOCK integration).
 *
 * The allowed origins are a deploy-time list (the `corsAllowOrigins` contract parameter), and
 * `Access-Control-Allow-Origin` takes exactly one origin, so the template echoes the request's
 * `Origin` when it is in the list (or `*` when the list holds `*`), and sends no origin header
 * otherwise, which makes the browser refuse the request.
 */
export function preflightResponseTemplate(allowOriginsJoined: string): string {
  return [
    '#set($origin = $input.params().header.get("Origin"))',
    '#if(!$origin)#set($origin = $input.params().header.get("origin"))#end',
    `#foreach($allowed in "${allowOriginsJoined}".split(","))`,
    '#if($allowed == "*")',
    '#set($context.responseOverride.header.Access-Control-Allow-Origin = "*")',
    '#elseif($origin && $allowed == $origin)',
    '#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
    '#end',
  ].join('\n');
}
