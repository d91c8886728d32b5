// Script and DriverManager: a traffic source whose rate a script ramps up,
// and a driver manager that stops the router after the last sample.
s :: RatedSource(LENGTH 64, RATE 100)
  -> c :: Counter
  -> d :: Discard;

// $x and $(...) here are the Script's own variables, not config parameters:
// nothing defines them, so the front end leaves them alone.
Script(TYPE ACTIVE,
       set x 100,
       label again,
       wait 1s,
       set x $(add $x 100),
       write s.rate $x,
       print "rate $x, count $(c.count)",
       goto again $(lt $x 1000));

DriverManager(wait 10s, read c.count, write c.reset, wait 1s, stop);
