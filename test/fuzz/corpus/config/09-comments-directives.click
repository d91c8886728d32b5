a :: Idle; // a comment -> x
/* a block
   comment */ b :: Print(1, /* ) */ 2 // )
);
# 100 "other.click"
c :: Discard
#line 7
a -> b -> c;
an/identifier//too/many :: Idle
