"""How to use the portal: the questions every province's portal answers, made with the catalogue's
(``generate.make``) and edited like them."""

from motcua_onestop.faq.pairs import Pair

PORTAL_PAIRS = (
    Pair("portal:account", "Làm thế nào để tạo tài khoản trên Cổng dịch vụ công?",
         "Chọn “Đăng ký”, nhập họ tên, số định danh cá nhân, số điện thoại hoặc thư điện tử và mật khẩu. Sau đó "
         "đăng nhập bằng số điện thoại hoặc thư điện tử để nộp và theo dõi hồ sơ.",
         "How do I create an account on the portal?",
         "Choose “Register” and give your full name, personal identification number, phone or e-mail and a "
         "password. Then sign in with the phone or e-mail to submit and follow your dossiers."),
    Pair("portal:password", "Tôi quên mật khẩu thì phải làm sao?",
         "Chọn “Quên mật khẩu” ở trang đăng nhập và nhập số điện thoại hoặc thư điện tử đã đăng ký; một liên "
         "kết đặt lại mật khẩu được gửi đến đó.",
         "I forgot my password: what do I do?",
         "Choose “Forgot your password?” on the sign-in page and give the phone or e-mail you registered; a "
         "link to set a new password is sent there."),
    Pair("portal:track", "Làm sao tra cứu tình trạng hồ sơ đã nộp?",
         "Nhập mã hồ sơ in trên giấy tiếp nhận và hẹn trả kết quả vào mục “Tra cứu hồ sơ”, hoặc đăng nhập và "
         "mở “Hồ sơ của tôi” để xem từng bước xử lý.",
         "How do I follow a dossier I submitted?",
         "Enter the dossier code printed on the receipt in “Track a dossier”, or sign in and open “My dossiers” "
         "to see each step."),
    Pair("portal:supplement", "Khi được yêu cầu bổ sung hồ sơ thì làm thế nào?",
         "Thông báo yêu cầu bổ sung nêu rõ giấy tờ còn thiếu. Đăng nhập, mở hồ sơ trong “Hồ sơ của tôi” và tải "
         "lên giấy tờ, hoặc nộp tại bộ phận một cửa đã tiếp nhận hồ sơ.",
         "I was asked to add to my dossier: what do I do?",
         "The request names what is missing. Sign in, open the dossier in “My dossiers” and upload it, or bring "
         "it to the one-stop counter that received the dossier."),
    Pair("portal:withdraw", "Tôi có thể rút hồ sơ đã nộp không?",
         "Có, khi hồ sơ chưa có kết quả: đăng nhập, mở hồ sơ trong “Hồ sơ của tôi” và chọn “Rút hồ sơ”, nêu lý "
         "do.",
         "Can I withdraw a dossier?",
         "Yes, before its result: sign in, open it in “My dossiers”, choose “Withdraw” and give the reason."),
    Pair("portal:late", "Hồ sơ bị trễ hẹn thì tôi được thông báo thế nào?",
         "Cơ quan giải quyết gửi văn bản xin lỗi và hẹn lại ngày trả kết quả (mẫu 04) qua tài khoản, tin nhắn "
         "hoặc thư điện tử của người nộp.",
         "How am I told when a dossier is late?",
         "The office sends an apology with a new appointment (form 04) to your account, by SMS or by e-mail."),
    Pair("portal:rating", "Tôi đánh giá mức độ hài lòng như thế nào?",
         "Khi có kết quả, mở hồ sơ trong “Hồ sơ của tôi” hoặc bấm liên kết trong tin nhắn báo kết quả và chọn "
         "một trong bốn mức: rất hài lòng, hài lòng, không hài lòng, rất không hài lòng.",
         "How do I rate the service?",
         "Once the result is ready, open the dossier in “My dossiers” or the link in the result message and "
         "choose one of four levels, from very satisfied to very dissatisfied."),
    Pair("portal:anywhere", "Tôi có phải nộp hồ sơ đúng nơi cư trú không?",
         "Không với thủ tục cấp xã: bộ phận một cửa cấp xã nào trong tỉnh cũng tiếp nhận, không phụ thuộc địa "
         "giới hành chính. Thủ tục cấp tỉnh nộp tại Trung tâm Phục vụ hành chính công tỉnh hoặc trực tuyến.",
         "Must I submit where I live?",
         "Not for commune-level procedures: any commune one-stop counter in the province receives them. "
         "Province-level procedures go to the provincial service centre, or online."),
    Pair("portal:statistics", "Xem kết quả giải quyết hồ sơ của tỉnh ở đâu?",
         "Trang “Thống kê” công khai số hồ sơ tiếp nhận, giải quyết đúng hạn, trễ hạn theo kỳ, lĩnh vực và "
         "cơ quan.",
         "Where can I see how the province handles dossiers?",
         "The “Statistics” page shows dossiers received, resolved on time and late, by period, field and office."),
)  # fmt: skip
