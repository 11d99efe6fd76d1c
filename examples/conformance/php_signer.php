<?php
// A VOD client-upload signer written the way the documented PHP sample builds the text
// (http_build_query: `+` for a space, `~` and `!*'()` escaped), with the server's documented
// rules checked before signing, behind the `vodsign conformance` protocol: one JSON request per
// line on stdin, one JSON answer per line on stdout.
//
//     vodsign conformance -- php examples/conformance/php_signer.php

const MAX_VALIDITY = 7776000; // 90 days
const INTEGERS = [ // parameter => [smallest, largest]
    'currentTimeStamp' => [0, PHP_INT_MAX], 'expireTime' => [0, PHP_INT_MAX], 'random' => [0, 4294967295],
    'classId' => [0, PHP_INT_MAX], 'oneTimeValid' => [0, 1], 'taskPriority' => [-10, 10], 'vodSubAppId' => [0, PHP_INT_MAX],
];
const TEXTS = ['secretId', 'procedure', 'sourceContext', 'taskNotifyMode', 'sessionContext', 'storageRegion'];
const MAX_CHARS = ['sourceContext' => 250, 'sessionContext' => 1000, 'storageRegion' => 64];

// The first documented rule $params breaks, or null.
function check(array $params): ?string {
    foreach (['secretId', 'currentTimeStamp', 'expireTime', 'random'] as $name) {
        if (!array_key_exists($name, $params)) return "$name is missing";
    }
    foreach ($params as $name => $value) {
        if (isset(INTEGERS[$name])) {
            [$low, $high] = INTEGERS[$name];
            if (!is_int($value)) return "$name must be a whole number"; // fractional timestamps too
            if ($value < $low || $value > $high) return "$name must be from $low to $high";
        } elseif (in_array($name, TEXTS, true)) {
            if (!is_string($value)) return "$name must be text";
            $chars = preg_match_all('/./us', $value); // characters, not bytes
            if (isset(MAX_CHARS[$name]) && $chars > MAX_CHARS[$name]) return "$name has more than " . MAX_CHARS[$name] . " characters";
        } else {
            return "$name is not a signature parameter";
        }
    }
    if ($params['secretId'] === '') return 'secretId is empty';
    if (isset($params['taskNotifyMode']) && !in_array($params['taskNotifyMode'], ['Finish', 'Change', 'None'], true)) {
        return 'taskNotifyMode must be Finish, Change or None';
    }
    if (($params['storageRegion'] ?? '') !== '' && !preg_match('/\A[a-z]+(-[a-z0-9]+)+\z/', $params['storageRegion'])) {
        return 'storageRegion is not a region short name';
    }
    $validity = $params['expireTime'] - $params['currentTimeStamp'];
    if ($validity <= 0 || $validity > MAX_VALIDITY) return 'expireTime must be after currentTimeStamp, by at most 90 days';
    return null;
}

function sign(string $key, array $params): string {
    $original = http_build_query($params); // the documented sample's way, in the given order
    return base64_encode(hash_hmac('sha1', $original, $key, true) . $original);
}

while (($line = fgets(STDIN)) !== false) {
    $request = json_decode($line, true);
    $key = $request['secretKey'] ?? '';
    unset($request['secretKey']);
    $problem = check($request) ?? ($key === '' ? 'secretKey is empty' : null);
    $answer = $problem === null ? ['signature' => sign($key, $request)] : ['error' => $problem];
    fwrite(STDOUT, json_encode($answer) . "\n");
    fflush(STDOUT);
}
